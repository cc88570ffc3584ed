export * from './language.js';
export * from './registry.js';
export { LANGUAGE_CATALOG, TYPESCRIPT_HOME } from './catalog.js';
