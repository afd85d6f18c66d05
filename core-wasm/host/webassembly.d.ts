// The few WebAssembly JS API types the host uses. tsconfig's lib (ES2023) and @types/node 20 do
// not declare the WebAssembly namespace; Node provides it at run time. If the project's lib gains
// it (e.g. "DOM"), delete this file.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
    static exports(module: Module): { name: string; kind: string }[];
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(deltaPages: number): number;
  }
}
