import {
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Optional,
  Param,
  Req,
  StreamableFile,
} from '@nestjs/common';
import { DashboardAssets } from './dashboard.assets.js';
import { DASHBOARD_CSP, dashboardPage, NOT_BUILT_PAGE } from './dashboard.page.js';

/** The parts of an Express or Fastify request the page needs: the path it was asked for. */
interface RequestLike {
  originalUrl?: string;
  url?: string;
}

/**
 * Serves the dashboard: the page at `/<path>/` and its bundle at `/<path>/assets/app.js|app.css`.
 * JobsAdminModule mounts it under its `path`. These routes carry no job data (the page asks the JSON
 * API for that, with the token), so they sit outside the app's guard: a browser cannot send a
 * Bearer token when it navigates to a page.
 */
@Controller()
export class DashboardController {
  private readonly assets: DashboardAssets;

  constructor(@Optional() @Inject(DashboardAssets) assets?: DashboardAssets) {
    this.assets = assets ?? new DashboardAssets();
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('X-Frame-Options', 'DENY')
  @Header('Cache-Control', 'no-cache')
  page(@Req() request: RequestLike): string {
    if (!this.assets.built) return NOT_BUILT_PAGE;
    return dashboardPage(request.originalUrl ?? request.url ?? '/');
  }

  @Get('assets/:file')
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('file') file: string): StreamableFile {
    const asset = this.assets.read(file);
    if (!asset) throw new NotFoundException(`The dashboard has no file named '${file}'.`);
    return new StreamableFile(asset.body, { type: asset.contentType, length: asset.body.length });
  }
}
