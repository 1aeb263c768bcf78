// How the open image is shown: a window (CT/MR) and a band choice (multi-band rasters), null meaning the file's
// default. Rendering is the core's (displayImage); this keeps the choice and asks for one render at a time, the
// latest choice winning while one is on its way.
import type { DisplayImageOptions } from '../../../src/api/service.ts';

export type DisplayWindow = NonNullable<DisplayImageOptions['window']>;

export class DisplayState {
  window = $state.raw<DisplayWindow | null>(null);
  windowName = $state('file');
  bands = $state.raw<number[] | null>(null);
  private request = { busy: false, again: false };

  /** `render` shows the open image with the current choice (options()). */
  constructor(private readonly render: () => Promise<void>) {}

  /** The choice as displayImage options. */
  options(): Pick<DisplayImageOptions, 'window' | 'bands'> {
    return { ...(this.window ? { window: this.window } : {}), ...(this.bands ? { bands: this.bands } : {}) };
  }

  /** Back to the file's own look (another image was opened). */
  reset(): void {
    this.window = null;
    this.windowName = 'file';
    this.bands = null;
  }

  /** Shows the open image with another window or band choice; while one render is on its way, only the latest waits. */
  async set(window: DisplayWindow | null, windowName: string, bands: number[] | null = this.bands): Promise<void> {
    this.window = window && { center: Math.round(window.center), width: Math.max(1, Math.round(window.width)) };
    this.windowName = windowName;
    this.bands = bands;
    if (this.request.busy) {
      this.request.again = true;
      return;
    }
    this.request.busy = true;
    try {
      do {
        this.request.again = false;
        await this.render();
      } while (this.request.again);
    } finally {
      this.request.busy = false;
    }
  }
}
