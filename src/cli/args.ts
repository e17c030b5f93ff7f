/** Flag parsing shared by the subcommands: strict, so a typo is an error and not a silent default. */
import { parseArgs, type ParseArgsConfig } from "node:util"

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>
/** Spelled out so the declaration emit can name it (Node's `ParsedResults` is not exported). */
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: Array<string>; options: O; allowPositionals: true; strict: true }>>

export const parse = <const O extends Options>(argv: ReadonlyArray<string>, options: O): Parsed<O> => {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

export const portFlag = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`--port: expected a port number, got "${value}"`)
  return Number(value)
}
