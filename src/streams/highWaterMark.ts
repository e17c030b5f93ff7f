/**
 * Bytes a streamed answer may buffer at each stage (the upstream body, each re-encoding step)
 * before the stage stops reading and waits for the one after it. Small and explicit, so memory per
 * stream is bounded the same on every Node (Node 22 raised the default to 64 KiB); what the kernel
 * buffers per socket is the OS's (`net.ipv4.tcp_wmem` / `tcp_rmem` on Linux).
 */
export const STREAM_HIGH_WATER_MARK = 16 * 1024
