/**
 * Attributes x402 payments to the key whose request made them: a decorator over the `Payments`
 * service that, when an authorization is signed, adds its amount to the request's `UsageMeter`
 * (a FiberRef set by `Accounts.metered`). Every signed payment counts, whatever its outcome — the
 * same rule as the ledger's daily cap. Requests without a key carry no meter: nothing changes.
 */
import { Effect, FiberRef, Layer } from "effect"
import { Config } from "../Config.js"
import { paymentMicroUsd } from "../metrics/usage.js"
import { Payments } from "../Payments.js"
import { CurrentUsageMeter } from "./usage.js"

/** `Payments` → `Payments` that also meters per key. Provide the original (and `Config`) underneath. */
export const attributePayments = Layer.effect(
  Payments,
  Effect.gen(function*() {
    const inner = yield* Payments
    const { config } = yield* Config
    return Payments.of({
      ...inner,
      authorize: (endpoint, challenge, context) =>
        inner.authorize(endpoint, challenge, context).pipe(
          Effect.tap((payment) =>
            Effect.flatMap(FiberRef.get(CurrentUsageMeter), (meter) =>
              Effect.sync(() => {
                if (meter !== undefined) meter.usdMicro += paymentMicroUsd(config, payment.signed)
              })))
        )
    })
  })
)
