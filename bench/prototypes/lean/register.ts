/** `node --import <this file>`: installs the lean-import hooks (bench/prototypes/lean/hooks.ts). */
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
