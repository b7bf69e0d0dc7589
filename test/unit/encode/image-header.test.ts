import test from 'ava'
import { outputSize, readImageHeader } from '../../../src/encode/image-header.js'
import { tinyPng } from '../../helpers/tiny-png.js'

/** A JPEG's first segments: SOI, an APP0 (JFIF), then SOF0 with height and width. */
function jpegHead (width: number, height: number, sof = 0xc0): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00])
  const dht = Buffer.from([0xff, 0xc4, 0x00, 0x04, 0x00, 0x00])
  const sofSegment = Buffer.from([0xff, sof, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03])
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, dht, sofSegment, Buffer.alloc(9)])
}

/** An OpenEXR header: magic, version 2, a channels and a dataWindow attribute, the empty name. */
function exrHead (xMin: number, yMin: number, xMax: number, yMax: number): Buffer {
  const attribute = (name: string, type: string, value: Buffer): Buffer => {
    const size = Buffer.alloc(4)
    size.writeInt32LE(value.length)
    return Buffer.concat([Buffer.from(`${name}\0${type}\0`, 'latin1'), size, value])
  }
  const box = Buffer.alloc(16)
  ;[xMin, yMin, xMax, yMax].forEach((v, i) => box.writeInt32LE(v, i * 4))
  const magic = Buffer.alloc(8)
  magic.writeInt32LE(20000630, 0)
  magic.writeInt32LE(2, 4)
  const channels = Buffer.concat([Buffer.from('R\0', 'latin1'), Buffer.alloc(16), Buffer.from([0])])
  return Buffer.concat([magic, attribute('channels', 'chlist', channels), attribute('dataWindow', 'box2i', box), Buffer.from([0])])
}

test('PNG: format and size from IHDR', (t) => {
  t.deepEqual(readImageHeader(tinyPng('x', 64, 48)), { format: 'PNG', width: 64, height: 48 })
})

test('JPEG: size from the SOF segment, past APPn and DHT segments; progressive too', (t) => {
  t.deepEqual(readImageHeader(jpegHead(1920, 1080)), { format: 'JPEG', width: 1920, height: 1080 })
  t.deepEqual(readImageHeader(jpegHead(33, 17, 0xc2)), { format: 'JPEG', width: 33, height: 17 })
})

test('OpenEXR: size from the dataWindow', (t) => {
  t.deepEqual(readImageHeader(exrHead(0, 0, 159, 89)), { format: 'OPEN_EXR', width: 160, height: 90 })
})

test('anything else is no image: text, a truncated header, a PNG signature without IHDR', (t) => {
  t.is(readImageHeader(Buffer.from('this is not a PNG')), undefined)
  t.is(readImageHeader(tinyPng('x').subarray(0, 20)), undefined)
  const noIhdr = tinyPng('x')
  noIhdr.write('JUNK', 12, 'latin1')
  t.is(readImageHeader(noIhdr), undefined)
  t.is(readImageHeader(jpegHead(10, 10).subarray(0, 8)), undefined)
  t.is(readImageHeader(Buffer.alloc(0)), undefined)
})

test('output size is the resolution scaled by its percentage, rounded down as Blender does', (t) => {
  t.deepEqual(outputSize({ resolutionX: 1920, resolutionY: 1080, resolutionPercentage: 50 }), { width: 960, height: 540 })
  t.deepEqual(outputSize({ resolutionX: 101, resolutionY: 77, resolutionPercentage: 33 }), { width: 33, height: 25 })
})
