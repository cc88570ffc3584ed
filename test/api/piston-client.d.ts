// Types for the parts of the untyped `piston-client` npm package the Piston tests use.
declare module 'piston-client' {
  interface PistonClientStage {
    stdout: string;
    stderr: string;
    output: string;
    code: number | null;
    signal: string | null;
  }
  interface PistonClientAnswer {
    language: string;
    version: string;
    run: PistonClientStage;
    compile?: PistonClientStage;
    /** Set instead of the stages when the server refused the request. */
    message?: string;
  }
  interface PistonClientConfig {
    language?: string;
    version?: string;
    files?: { name?: string; content: string; encoding?: string }[];
    stdin?: string;
    args?: string[];
    compileTimeout?: number;
    runTimeout?: number;
    compileMemoryLimit?: number;
    runMemoryLimit?: number;
  }
  interface PistonClient {
    runtimes(): Promise<{ language: string; version: string; aliases: string[] }[]>;
    execute(language: string, code: string, config?: PistonClientConfig): Promise<PistonClientAnswer>;
    execute(config: PistonClientConfig): Promise<PistonClientAnswer>;
  }
  export default function piston(options?: { server?: string }): PistonClient;
}
