/** The dashboard's entry point, bundled by esbuild into dist/dashboard/app.js (npm run build:dashboard). */
import { html, render } from 'htm/preact';
import { App } from './app.view.js';

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
