// The names of the roots config file: no dependencies, so the CLI's command table can name them in --help.

/** Looked for, in this order, in the working directory when `serve` is given no `--specs` and no `--config`. */
export const ROOT_CONFIG_FILES = [
  'specledger.config.json',
  'specledger.config.yaml',
  'specledger.config.yml',
] as const;
