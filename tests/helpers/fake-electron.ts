// A recording stand-in for the `electron` module, so electron/main.ts runs under plain Node with everything else real
// (see electron-as-fake.mjs). It keeps what the main process registers (window options, IPC handlers, protocol
// handlers, guards, permission handlers) for a test to inspect and to call as Electron would.
type Listener = (...args: any[]) => unknown;

class Emitter {
  private readonly listeners = new Map<string, Listener[]>();
  on(name: string, listener: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return this;
  }
  /** Calls the listeners as Electron would, with a fresh event whose preventDefault is recorded. */
  emit(name: string, fields: Record<string, unknown> = {}, ...args: unknown[]): { defaultPrevented: boolean } {
    const event = { ...fields, defaultPrevented: false, preventDefault: () => void (event.defaultPrevented = true) };
    for (const listener of this.listeners.get(name) ?? []) listener(event, ...args);
    return event;
  }
}

export class FakeWebContents extends Emitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly sent: [string, unknown][] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
}

class FakeApp extends Emitter {
  quitCalls = 0;
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    this.quitCalls++;
  }
}

export const app = new FakeApp();

let windowOpened!: (window: BrowserWindow) => void;
/** Resolves with the first window the main process opens (it does so once the core is wired). */
export const firstWindow = new Promise<BrowserWindow>((resolve) => (windowOpened = resolve));

export class BrowserWindow extends Emitter {
  static readonly all: BrowserWindow[] = [];
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.all;
  }
  readonly webContents = new FakeWebContents();
  loadedURL: string | null = null;
  constructor(readonly options: Record<string, any>) {
    super();
    BrowserWindow.all.push(this);
    // Electron announces every new web contents on the app, as here.
    app.emit('web-contents-created', {}, this.webContents);
    windowOpened(this);
  }
  isDestroyed(): boolean {
    return false;
  }
  loadURL(url: string): Promise<void> {
    this.loadedURL = url;
    return Promise.resolve();
  }
}

export const ipcMain = {
  handlers: new Map<string, Listener>(),
  handle(channel: string, handler: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  },
};

export const protocol = {
  privilegedSchemes: [] as { scheme: string; privileges: Record<string, boolean> }[],
  handlers: new Map<string, (request: Request) => Promise<Response>>(),
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void {
    this.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    this.handlers.set(scheme, handler);
  },
};

type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type PermissionCheckHandler = (contents: unknown, permission: string) => boolean;

export const session = {
  defaultSession: {
    permissionRequestHandler: null as PermissionRequestHandler | null,
    permissionCheckHandler: null as PermissionCheckHandler | null,
    setPermissionRequestHandler(handler: PermissionRequestHandler): void {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: PermissionCheckHandler): void {
      this.permissionCheckHandler = handler;
    },
  },
};
