/** How much of an action's arguments hash `pending` shows, and the shortest `--args-hash` a decision takes. */
export const SHOWN_ARGS_HASH_LENGTH = 12;
