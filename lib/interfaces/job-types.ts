/**
 * Declare your jobs' input and output types by merging into this interface, and `enqueue`,
 * pipelines and `get` are type-checked by job name:
 *
 * ```ts
 * declare module 'nestjs-job-pipelines' {
 *   interface JobTypes {
 *     'email.send': { input: { to: string }; output: { messageId: string } };
 *   }
 * }
 * ```
 * With nothing declared, any name is accepted and inputs and outputs are `unknown`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface JobTypes {}

type Declared = keyof JobTypes & string;

/** The job names the app declared, or any string when it declared none. */
export type JobName = [Declared] extends [never] ? string : Declared;

/** The input type declared for job `N` (`unknown` when undeclared). */
export type JobInput<N extends string> = N extends keyof JobTypes
  ? JobTypes[N] extends { input: infer I }
    ? I
    : unknown
  : unknown;

/** The output type declared for job `N` (`unknown` when undeclared). */
export type JobOutput<N extends string> = N extends keyof JobTypes
  ? JobTypes[N] extends { output: infer O }
    ? O
    : unknown
  : unknown;

/** A JSON value: what inputs, outputs and workspaces are made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
