// Types of node-version.js (plain JavaScript: bin/ runs before tsx is registered).
export declare const SUPPORTED_NODE: string;
export declare function satisfies(version: string, range?: string): boolean;
export declare function requireSupportedNode(who: string): void;
