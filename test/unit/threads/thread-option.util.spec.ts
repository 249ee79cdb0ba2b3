/** resolveThreadOption: `@Job({ thread })` is checked at boot, with a message naming the job's method and the fix. */
import { JobsConfigurationError } from '../../../lib/errors/configuration.error.js';
import { resolveThreadOption } from '../../../lib/threads/thread-option.util.js';

describe('resolveThreadOption', () => {
  it('takes a file: URL or an absolute path, and defaults the export to default', () => {
    expect(resolveThreadOption({ file: new URL('file:///app/dist/resize.thread.js') }, 'Media.resize')).toEqual({
      url: 'file:///app/dist/resize.thread.js',
      exportName: 'default',
    });
    expect(resolveThreadOption({ file: '/app/dist/resize.thread.js', export: 'resize' }, 'Media.resize')).toEqual({
      url: 'file:///app/dist/resize.thread.js',
      exportName: 'resize',
    });
  });

  it.each([
    ['a relative path', { file: './resize.thread.js' }, /'thread'\.file must be a file: URL or an absolute path/],
    ['an http URL', { file: new URL('https://example.org/x.js') }, /'thread'\.file must be a file: URL/],
    ['a URL instead of { file }', new URL('file:///app/x.js'), /'thread' must be an object \{ file, export\? \}/],
    ['an empty export', { file: '/app/x.js', export: '' }, /'thread'\.export must be the non-empty name/],
  ])('refuses %s with JobsConfigurationError naming the method', (_what, thread, message) => {
    const run = () => resolveThreadOption(thread as never, 'Media.resize');
    expect(run).toThrow(JobsConfigurationError);
    expect(run).toThrow(/@Job\(\) on Media\.resize/);
    expect(run).toThrow(message);
  });
});
