import type { z } from 'zod'
import { codecSchema, encodeSettings, mp4LocationSchema, qualitySchema } from '../protocol/messages.js'

// The settings are part of the wire format (submit, encode on demand): their
// schemas live with the protocol and are shared here.
export { codecSchema, qualitySchema, mp4LocationSchema }
export const encodeSettingsSchema = encodeSettings

export type Codec = z.infer<typeof codecSchema>
export type Quality = z.infer<typeof qualitySchema>
export type Mp4Location = z.infer<typeof mp4LocationSchema>
export type EncodeSettings = z.infer<typeof encodeSettings>

export const DEFAULT_ENCODE_SETTINGS: Readonly<EncodeSettings> = Object.freeze({
  codec: 'h264',
  quality: 'high',
  location: 'parent',
  enabled: true,
})

/**
 * Quality → encoder setting, documented in README. x265 CRFs sit a little
 * higher than x264's because the same CRF means a bigger file there.
 * ProRes has no CRF: quality picks the prores_ks profile (3 HQ, 2 standard, 1 LT).
 */
export const QUALITY_TABLE = {
  h264: { high: { crf: 18 }, medium: { crf: 23 }, low: { crf: 28 } },
  h265: { high: { crf: 20 }, medium: { crf: 26 }, low: { crf: 30 } },
  prores: {
    high: { profile: 3, profileName: 'HQ' },
    medium: { profile: 2, profileName: 'standard' },
    low: { profile: 1, profileName: 'LT' },
  },
} as const satisfies {
  h264: Record<Quality, { crf: number }>
  h265: Record<Quality, { crf: number }>
  prores: Record<Quality, { profile: number; profileName: string }>
}

export function videoExtension (codec: Codec): '.mp4' | '.mov' {
  return codec === 'prores' ? '.mov' : '.mp4'
}
