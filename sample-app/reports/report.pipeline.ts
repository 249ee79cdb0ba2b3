import { pipeline } from '../../lib/index.js';

export const DEFAULT_REGIONS = ['north', 'south', 'east', 'west'];

/**
 * fetch -> split (spawns one `reports.summarise` per region at run time) -> render (fan-in).
 * Each step's input is its dependency's output; the workspace is shared by all steps.
 */
export function monthlyReport(month: string, regions: string[] = DEFAULT_REGIONS, requestedBy: string | null = null) {
  return pipeline(`monthly-report ${month}`)
    .step('fetch', 'reports.fetch', { input: { month, regions } })
    .step('split', 'reports.split', { after: 'fetch' })
    .step('render', 'reports.render', { after: 'split', priority: 5 })
    .workspace({ month, requestedBy });
}
