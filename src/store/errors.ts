import { Schema } from "effect"

/** A store could not be opened, read or written; `message` names the file and says what to do. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  message: Schema.String,
  /** Another process held the file for longer than the wait bound. */
  busy: Schema.Boolean
}) {}
