// @ts-check
/**
 * The report's browser entry: reads the JSON island and renders the page. Printing opens every <details> (the CSS
 * does too, for browsers that support ::details-content).
 */
import { render } from 'preact';
import { html } from './html.js';
import { App, TilesRoot, createViews } from './app.js';
import { loadModel } from './data.js';
import './report.css';

const openAll = () => {
  for (const d of document.querySelectorAll('details')) d.open = true;
};
addEventListener('beforeprint', openAll);
matchMedia('print').addEventListener('change', (e) => {
  if (e.matches) openAll();
});

const root = document.getElementById('app');
const tiles = document.getElementById('tiles');
if (root) {
  try {
    const model = loadModel(document);
    const store = createViews(model);
    if (tiles) render(html`<${TilesRoot} model=${model} store=${store} />`, tiles);
    render(html`<${App} model=${model} store=${store} />`, root);
  } catch (error) {
    // The header and charts are already on the page; say plainly why the tables are not.
    const p = document.createElement('p');
    p.className = 'load-error';
    p.textContent = `The report's tables could not be shown: ${error instanceof Error ? error.message : String(error)}`;
    root.replaceChildren(p);
  }
}
