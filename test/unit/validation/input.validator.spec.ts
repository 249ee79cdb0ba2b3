/**
 * validateInput: an input is checked against the job's class-validator DTO and handed on as an
 * instance of it; a bad one is InvalidJobInputError listing each property and what was wrong.
 */
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { InvalidJobInputError } from '../../../lib/errors/invalid-input.error.js';
import { JobsError } from '../../../lib/errors/jobs.error.js';
import { validateInput } from '../../../lib/validation/input.validator.js';

class Address {
  @IsString()
  city!: string;
}

class SignupInput {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  times!: number;

  @ValidateNested()
  @Type(() => Address)
  address!: Address;
}

const valid = { name: 'ada', times: 2, address: { city: 'London' } };

async function refusal(input: unknown): Promise<Error> {
  return validateInput('user.signup', SignupInput, input).then(
    () => {
      throw new Error('expected validateInput to refuse the input');
    },
    (err: Error) => err,
  );
}

describe('validateInput', () => {
  it('returns an instance of the DTO, nested DTOs included, for a valid plain object', async () => {
    const instance = await validateInput('user.signup', SignupInput, valid);
    expect(instance).toBeInstanceOf(SignupInput);
    expect((instance as SignupInput).address).toBeInstanceOf(Address);
    expect(instance).toEqual(valid);
  });

  it('returns an instance given as input unchanged', async () => {
    const given = Object.assign(new SignupInput(), { ...valid, address: Object.assign(new Address(), valid.address) });
    expect(await validateInput('user.signup', SignupInput, given)).toBe(given);
  });

  it.each([
    [
      'wrong types',
      { ...valid, name: 42, times: -1 },
      ['name: name must be a string', 'times: times must not be less than 1'],
    ],
    ['a missing field', { name: 'ada', address: { city: 'x' } }, ['times: times must be an integer number']],
    ['an unknown property', { ...valid, admin: true }, ['admin: property admin should not exist']],
    ['a bad nested property', { ...valid, address: { city: 7 } }, ['address.city: city must be a string']],
  ])('refuses %s with InvalidJobInputError listing each property and its problem', async (_what, input, details) => {
    const err = await refusal(input);
    expect(err).toBeInstanceOf(InvalidJobInputError);
    expect(err).toBeInstanceOf(JobsError);
    expect(err.message).toMatch(/^Input of job 'user\.signup' is not a valid SignupInput: /);
    for (const detail of details) expect(err.message).toContain(detail);
  });

  it.each([
    [null, 'null'],
    [[valid], 'an array'],
    ['ada', 'string'],
    [undefined, 'undefined'],
  ])('refuses %p, which is not an object, saying what it got', async (input, got) => {
    const err = await refusal(input);
    expect(err).toBeInstanceOf(InvalidJobInputError);
    expect(err.message).toBe(`Input of job 'user.signup' must be an object matching SignupInput; got ${got}.`);
  });
});
