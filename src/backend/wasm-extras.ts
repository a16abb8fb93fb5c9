// Kernels and gradients the wasm backend lacks, registered from one explicit list.
// (Placeholder list: filled by the backend work.)
export function registerWasmExtras(): void {}
