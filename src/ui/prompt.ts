import {EXIT, KeylessError} from '../errors.js'
import {sizedStream} from './terminal.js'

/**
 * Every question keyless asks on a terminal (configure's values, audit --fix's choices, the role picker) goes
 * through here, so that each behaves the same way:
 * - the prompt library draws on a stream that always has a width (see sizedStream), whichever stream the caller
 *   chose (stdout unless told): a terminal that reports 0 columns gets a prompt, not an endless redraw;
 * - Ctrl-C is PromptCancelled (exit 130, one line), whatever the command: cancelling is not an error, and the
 *   caller has changed nothing yet (every change comes after the answer).
 * Same signatures as @inquirer/prompts.
 */
type Prompts = typeof import('@inquirer/prompts')
type Context = Parameters<Prompts['input']>[1]

/** Ctrl-C at a question. */
export class PromptCancelled extends KeylessError {
  constructor() {
    super('cancelled: nothing was changed', undefined, EXIT.interrupted)
  }
}

async function ask<T>(run: (prompts: Prompts) => Promise<T>): Promise<T> {
  const prompts = await import('@inquirer/prompts')
  try {
    return await run(prompts)
  } catch (error) {
    if ((error as Error)?.name === 'ExitPromptError') throw new PromptCancelled()
    throw error
  }
}

function context(options: Context = {}): Context {
  const output = (options.output ?? process.stdout) as NodeJS.WriteStream
  return {...options, output: sizedStream(output)}
}

export const input: Prompts['input'] = (config, options) => ask((p) => p.input(config, context(options))) as never
export const select: Prompts['select'] = (config, options) => ask((p) => p.select(config, context(options))) as never
export const search: Prompts['search'] = (config, options) => ask((p) => p.search(config, context(options))) as never
