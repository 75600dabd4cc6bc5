#!/usr/bin/env node
// The `postern` command: runs the TypeScript CLI through tsx, so the source runs unchanged.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
