// A pthread worker for tfjs-backend-wasm's threaded build under Node's worker_threads.
// The backend starts its workers from blob: URLs, which Node's Worker cannot load; this file on disk runs
// the same worker script (emscripten's, shipped in the package) with the globals it expects.
'use strict';
const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');

// The script is written for a worker's global scope: it reads `require` and `__filename` as globals.
globalThis.require = require;
globalThis.__filename = __filename;
// The package stores it in a template literal, so its "\n" string escapes arrived as raw newlines (tfjs does the same).
(0, eval)(wasmWorkerContents.replace(/\n/g, '\\n'));
