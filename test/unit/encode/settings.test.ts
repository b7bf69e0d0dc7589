import test from 'ava'
import { DEFAULT_ENCODE_SETTINGS, QUALITY_TABLE, encodeSettingsSchema, videoExtension } from '../../../src/encode/settings.js'

test('defaults are h264, high, beside the frames folder, on', (t) => {
  t.deepEqual(DEFAULT_ENCODE_SETTINGS, { codec: 'h264', quality: 'high', location: 'parent', enabled: true })
  t.deepEqual(encodeSettingsSchema.parse(DEFAULT_ENCODE_SETTINGS), DEFAULT_ENCODE_SETTINGS)
})

test('the schema refuses what ffmpeg would not get', (t) => {
  t.false(encodeSettingsSchema.safeParse({ ...DEFAULT_ENCODE_SETTINGS, codec: 'vp9' }).success)
  t.false(encodeSettingsSchema.safeParse({ ...DEFAULT_ENCODE_SETTINGS, location: '../x' }).success)
  t.false(encodeSettingsSchema.safeParse({ ...DEFAULT_ENCODE_SETTINGS, fps: 0 }).success)
  t.true(encodeSettingsSchema.safeParse({ ...DEFAULT_ENCODE_SETTINGS, fps: 23.976 }).success)
})

test('the quality table README documents', (t) => {
  t.deepEqual(QUALITY_TABLE.h264, { high: { crf: 18 }, medium: { crf: 23 }, low: { crf: 28 } })
  t.deepEqual(QUALITY_TABLE.h265, { high: { crf: 20 }, medium: { crf: 26 }, low: { crf: 30 } })
  t.deepEqual(Object.values(QUALITY_TABLE.prores).map((p) => p.profile), [3, 2, 1])
  t.is(videoExtension('prores'), '.mov')
  t.is(videoExtension('h265'), '.mp4')
})
