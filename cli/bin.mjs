#!/usr/bin/env node
// `npx samepage …`: the CLI is TypeScript, run through tsx as `npm run samepage --` does.
import { tsImport } from 'tsx/esm/api';

await tsImport('./samepage.ts', import.meta.url);
