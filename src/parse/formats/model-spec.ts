// OpenAI Model Spec style: `{#id authority=…}` anchors on headings; the anchors themselves are handled generically.
import type { FormatRules } from './types.js';

export const modelSpecFormat: FormatRules = {
  format: 'model-spec',
  matches: (path) => /(^|\/)model_spec\.md$/.test(path),
  kind: () => 'spec',
};
