// @ts-check
/**
 * htm bound to Preact: tagged templates become Preact elements (text nodes for every value), with no string ever
 * parsed as HTML and no eval.
 */
import { h } from 'preact';
import htmImport from 'htm';

// htm's types describe its CommonJS build; the ES module Vite bundles exports the same object as its default.
/** @type {{ bind<H>(h: (type: any, props: Record<string, any>, ...children: any[]) => H): (strings: TemplateStringsArray, ...values: any[]) => H | H[] }} */
const htm = /** @type {any} */ (htmImport);

export const html = htm.bind(h);
