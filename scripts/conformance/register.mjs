// Loaded with --import: installs the resolve hook before the conformance CLI starts.
import { register } from 'node:module';

if (!process.versions.node.startsWith('20.')) {
  // Node 22+ has fs.globSync; nothing to shim.
} else {
  register('./hooks.mjs', import.meta.url);
}
