// Where the ledger lives unless told otherwise: a constant of its own, so naming the default loads no store.

/** The default location, relative to the project root. */
export const DEFAULT_LEDGER_PATH = '.specledger/ledger.db';
