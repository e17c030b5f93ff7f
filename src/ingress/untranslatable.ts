/** Raised inside a request translation for what the internal request cannot express; `Codec.translate` makes it a 400. */
export class Untranslatable extends Error {
  constructor(readonly param: string, message: string) {
    super(message)
  }
}

export const unsupported = (param: string, message: string): never => {
  throw new Untranslatable(param, message)
}
