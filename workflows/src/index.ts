export { guardedAction } from './guarded-action.js';
