import { jest } from '@jest/globals';
/**
 * What the code under test writes to stderr, with stdout silenced: spies installed by `capture()`
 * (call it in a `beforeEach`), removed by `jest.restoreAllMocks()`.
 */
export function capturedStderr(): { capture(): void; readonly text: string } {
  let text = '';
  return {
    capture() {
      text = '';
      jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
        text += String(s);
        return true;
      });
      jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    },
    get text() {
      return text;
    },
  };
}
