// Types of build-preload.mjs (plain JavaScript, run before tsx is registered).
export declare const PRELOAD_OUT: string;
export declare function buildPreload(): Promise<string>;
