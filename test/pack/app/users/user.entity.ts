// Glue: the `User` entity the README's SignupController uses.
import { EntitySchema } from '@mikro-orm/core';

export interface User {
  id: number;
  email: string;
}

export const User = new EntitySchema<User>({
  name: 'User',
  tableName: 'app_user',
  properties: { id: { type: 'integer', primary: true, autoincrement: true }, email: { type: 'string' } },
});
