/**
 * The awsQuery protocol's answers, as STS and IAM send them: XML documents with `x-amzn-requestid`, a
 * `<XResponse><XResult/><ResponseMetadata/></XResponse>` result, and errors as
 * `<ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 * One home for both services (each passes its own XML namespace).
 */
import {randomUUID} from 'node:crypto'

import {XMLBuilder} from 'fast-xml-parser'

import type {ApiResponse} from './http.js'

const xml = new XMLBuilder({ignoreAttributes: false, format: false, suppressEmptyNode: false})

export function xmlResponse(status: number, document: Record<string, unknown>, requestId: string): ApiResponse {
  return {
    status,
    headers: {'content-type': 'text/xml', 'x-amzn-requestid': requestId},
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${xml.build(document) as string}`,
  }
}

/** An awsQuery error: `Sender` for 4xx, `Receiver` for 5xx, as AWS types them. */
export function queryError(namespace: string, status: number, code: string, message: string): ApiResponse {
  const requestId = randomUUID()
  return xmlResponse(
    status,
    {
      ErrorResponse: {
        '@_xmlns': namespace,
        Error: {Type: status >= 500 ? 'Receiver' : 'Sender', Code: code, Message: message},
        RequestId: requestId,
      },
    },
    requestId,
  )
}

/** A 200 answer to `action`: `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata/></ActionResponse>` (no Result element when there is nothing to say). */
export function queryResult(namespace: string, action: string, result: Record<string, unknown> | undefined): ApiResponse {
  const requestId = randomUUID()
  const body: Record<string, unknown> = {'@_xmlns': namespace}
  if (result) body[`${action}Result`] = result
  body.ResponseMetadata = {RequestId: requestId}
  return xmlResponse(200, {[`${action}Response`]: body}, requestId)
}
