import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'

import {FALLBACK_COLUMNS, sizedStream} from '../../src/ui/terminal.js'

/** A stream that says it is a terminal of the given size, recording what is written to it. */
function fakeTerminal(columns: number, rows: number) {
  const written: string[] = []
  const stream = Object.assign(new PassThrough(), {isTTY: true, columns, rows}) as unknown as NodeJS.WriteStream & PassThrough
  stream.on('data', (d: Buffer) => written.push(d.toString()))
  return {stream, written}
}

describe('sizedStream: a width the drawing libraries can divide by', () => {
  it('a terminal that reports 0x0 is drawn 80 columns wide; its writes still reach it', () => {
    const {stream, written} = fakeTerminal(0, 0)
    const sized = sizedStream(stream)
    expect(sized.columns).toBe(FALLBACK_COLUMNS)
    expect(sized.rows).toBe(24)
    expect(sized.isTTY).toBe(true)
    sized.write('hello')
    expect(written.join('')).toBe('hello')
  })

  it('a real size, and a later resize, pass through', () => {
    const {stream} = fakeTerminal(132, 50)
    const sized = sizedStream(stream)
    expect([sized.columns, sized.rows]).toEqual([132, 50])
    ;(stream as {columns: number}).columns = 90
    expect(sized.columns).toBe(90)
  })

  it('a stream that is not a terminal is returned as it is', () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream
    expect(sizedStream(stream)).toBe(stream)
  })
})
