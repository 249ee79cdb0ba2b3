import { EntitySchema } from '@mikro-orm/core';

export interface User {
  id: number;
  email: string;
  createdAt: Date;
}

/** The app's own table: a signup writes a user and its welcome mail job in one transaction. */
export const UserSchema = new EntitySchema<User>({
  name: 'User',
  tableName: 'sample_user',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    email: { type: 'string', unique: true },
    createdAt: { type: 'datetime', fieldName: 'created_at', onCreate: () => new Date() },
  },
});
