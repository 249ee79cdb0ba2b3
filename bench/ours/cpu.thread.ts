/** The `bench.cpu` thread job of the `thread-cpu` workload: burns `ms` of CPU in a worker thread. */
export default function burn(input: { ms: number }): { ms: number } {
  const end = performance.now() + input.ms;
  while (performance.now() < end);
  return { ms: input.ms };
}
