/**
 * Endpoints about the server itself rather than its data: `/-/reload` (POST or PUT; GET is 405,
 * as Prometheus answers), `/api/v1/status/walreplay`, `/api/v1/notifications` and
 * `/api/v1/features`. A failed reload raises the active notification "Configuration reload has
 * failed." and the next good one clears it, as in Prometheus.
 */
import type { Context, Hono } from 'hono';
import { success } from './respond.ts';
import type { Features } from './features.ts';

/** WalReplayStatus: the WAL segments replayed at start (first, last, and the one being read). */
export interface WalReplayStatus {
  min: number;
  max: number;
  current: number;
}

/** Notification: one server notice, as the web UI shows it. */
export interface Notification {
  text: string;
  date: Date;
  active: boolean;
}

/** Notifications: the active server notices; add and remove by text. Not shared across processes. */
export class Notifications {
  readonly #active = new Map<string, Date>();

  add(text: string): void {
    if (!this.#active.has(text)) this.#active.set(text, new Date());
  }

  delete(text: string): void {
    this.#active.delete(text);
  }

  list(): Notification[] {
    return [...this.#active].map(([text, date]) => ({ text, date, active: true }));
  }
}

export const RELOAD_FAILED = 'Configuration reload has failed.';

export interface ServerRoutesOptions {
  /** Reloads the configuration; rejects with the reason it failed. Absent: 403 as with lifecycle off. */
  reload?: () => Promise<void>;
  /** WAL replay progress; zeros for storage without a WAL. */
  walReplay?: () => WalReplayStatus;
  notifications: Notifications;
  features: () => Features;
}

/** serverRoutes registers the endpoints on `app`. */
export function serverRoutes(app: Hono, o: ServerRoutesOptions): void {
  const reload = async (c: Context) => {
    if (!o.reload) return c.text('Lifecycle API is not enabled.', 403);
    try {
      await o.reload();
    } catch (err) {
      o.notifications.add(RELOAD_FAILED);
      return c.text(`failed to reload config: ${err instanceof Error ? err.message : String(err)}\n`, 500);
    }
    o.notifications.delete(RELOAD_FAILED);
    return c.body(null, 200);
  };
  app.post('/-/reload', reload);
  app.put('/-/reload', reload);
  app.get('/-/reload', (c) => c.text('Only POST or PUT requests allowed', 405));

  app.get('/api/v1/status/walreplay', (c) => success(c, o.walReplay?.() ?? { min: 0, max: 0, current: 0 }));
  app.get('/api/v1/notifications', (c) =>
    success(c, o.notifications.list().map((n) => ({ text: n.text, date: n.date.toISOString(), active: n.active }))),
  );
  app.get('/api/v1/features', (c) => success(c, o.features()));
}
