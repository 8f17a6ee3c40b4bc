import { z } from 'zod';
import { appErrorSchema } from '../errors';
import type { EventChannel, RequestChannel } from './channels';

/** Where the app is running: the desktop shell or the browser served by `npm run serve`. */
export const runModeSchema = z.enum(['electron', 'serve']);

/** Version and environment of the running back end. */
export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  mode: runModeSchema,
  platform: z.string(),
  /** Versions of the runtimes the back end runs on, for the About dialog and bug reports. */
  runtimes: z.record(z.string(), z.string()),
});

/** A notification pushed from the back end to every open window. */
export const notificationSchema = z.object({
  level: z.enum(['info', 'warning', 'error']),
  /** A stable key the renderer turns into a sentence; never prose from main. */
  code: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The one RPC contract: each request channel with its request and response schema. Preload, main handlers,
 * the serve-mode HTTP server and the renderer client are all typed from this object.
 */
export const requestContract = {
  'app:info.get': { request: z.object({}).strict(), response: appInfoSchema },
  'app:openExternal': {
    request: z.object({ url: z.string().max(2048) }).strict(),
    response: z.object({ opened: z.boolean() }),
  },
} satisfies Record<RequestChannel, { request: z.ZodType; response: z.ZodType }>;

/** Each main -> renderer event channel with its payload schema. */
export const eventContract = {
  'app:onDidNotify': { payload: notificationSchema },
} satisfies Record<EventChannel, { payload: z.ZodType }>;

/** The request type of a channel. */
export type RequestOf<C extends RequestChannel> = z.infer<(typeof requestContract)[C]['request']>;
/** The response value type of a channel. */
export type ResponseOf<C extends RequestChannel> = z.infer<(typeof requestContract)[C]['response']>;
/** The payload type of an event channel. */
export type EventPayloadOf<C extends EventChannel> = z.infer<(typeof eventContract)[C]['payload']>;

/** The wire shape of every response: a Result whose error is a coded AppError. */
export function resultSchemaOf<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: appErrorSchema }),
  ]);
}

/** Version and environment of the running back end. */
export type AppInfo = z.infer<typeof appInfoSchema>;
/** A notification pushed from the back end. */
export type Notification = z.infer<typeof notificationSchema>;
