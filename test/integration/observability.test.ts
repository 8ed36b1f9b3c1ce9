import { SpanKind, startTelemetry } from '@huddle/telemetry';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 9, observability through the real system: one post is one trace from
 * the gateway's HTTP span through chat's gRPC span, the outbox publish, the
 * notification service's consumers (the notification row, the realtime fan-out)
 * to the gateway's socket writes; spans carry no message text, names, people's
 * ids or tokens; every process serves its Prometheus metrics.
 *
 * Vitest gives this file a process of its own, so it can start the one SDK a
 * process may have, with an in-memory exporter, before the system is loaded
 * (instrumentation patches http, gRPC and pg as they load).
 */
const spans = new InMemorySpanExporter();
const telemetry = startTelemetry({
  serviceName: 'huddle-system-test',
  spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
});
const { api, openStream } = await import('../support/http');
const { startSystem } = await import('../support/system');
type System = Awaited<ReturnType<typeof startSystem>>;
type Socket = Awaited<ReturnType<typeof openStream>>;

const practice = 'p-observe-5d1c';
const poster = { id: 'person-eli-83fa', firstName: 'Elowen', lastName: 'Quartermaine' };
const reader = { id: 'person-dana-2b9e', firstName: 'Damaris', lastName: 'Fitzwilliam' };
const body = 'Blood results look fine, see you Tuesday 4f7a2c';

describe('observability: one trace per post, metrics from every process', () => {
  let system: System;
  let posterToken: string;
  let readerStream: Socket;
  let chatId: string;
  let messageId: string;

  beforeAll(async () => {
    system = await startSystem('observability');
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect(
      (await directory('PUT', `/v1/practices/${practice}`, { name: 'Observe', plan: 'team' })).status,
    ).toBe(201);
    for (const person of [poster, reader]) {
      const { id, ...profile } = person;
      const put = await directory('PUT', `/v1/practices/${practice}/people/${id}`, {
        kind: 'practitioner',
        teamRole: 'member',
        ...profile,
      });
      expect(put.status).toBe(201);
    }
    posterToken = await system.personToken(practice, poster.id);
    readerStream = await openStream(system.url, await system.personToken(practice, reader.id));
    await readerStream.next((event) => event.type === 'stream.ready');

    const asPoster = api(system.url, posterToken);
    const created = await asPoster('POST', '/v1/chats', {
      name: 'Results',
      style: 'feed',
      participantIds: [reader.id],
    });
    expect(created.status).toBe(201);
    chatId = created.body.id;
    // The chat service learns of members from the participant service's events.
    const deadline = Date.now() + 10_000;
    while ((await asPoster('GET', `/v1/chats/${chatId}`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('the poster never became a member');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    spans.reset();
    const posted = await asPoster('POST', `/v1/chats/${chatId}/messages`, { body });
    expect(posted.status).toBe(201);
    messageId = posted.body.id;
    await readerStream.next((event) => event.type === 'message.created' && event.data.id === messageId);
    await readerStream.next(
      (event) => event.type === 'notification.created' && event.data.messageId === messageId,
    );
  });

  afterAll(async () => {
    readerStream?.close();
    await system?.stop();
    await telemetry.shutdown();
  });

  /** The post's trace: every span sharing the gateway HTTP span's trace id, once the last one has ended. */
  async function postTrace(): Promise<{ root: ReadableSpan; trace: ReadableSpan[] }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const root = spans
        .getFinishedSpans()
        .find((span) => span.kind === SpanKind.SERVER && span.name === 'POST /v1/chats/:chatId/messages');
      const trace = root
        ? spans.getFinishedSpans().filter((span) => span.spanContext().traceId === root.spanContext().traceId)
        : [];
      const delivered = (type: string) =>
        trace.some(
          (span) => span.name === 'realtime deliver' && span.attributes['huddle.realtime.type'] === type,
        );
      if (root && delivered('message.created') && delivered('notification.created')) return { root, trace };
      if (Date.now() > deadline) {
        throw new Error(
          `the trace never completed: ${trace.map((span) => span.name).join(', ')}; all: ${spans
            .getFinishedSpans()
            .map((span) => `${span.name}/${span.kind}/${span.spanContext().traceId.slice(0, 6)}`)
            .join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  /** True when `ancestor` is `span` or above it in the trace. */
  function descends(span: ReadableSpan, ancestor: ReadableSpan, trace: ReadableSpan[]): boolean {
    let current: ReadableSpan | undefined = span;
    while (current) {
      if (current.spanContext().spanId === ancestor.spanContext().spanId) return true;
      const parent = parentOf(current);
      current = trace.find((candidate) => candidate.spanContext().spanId === parent);
    }
    return false;
  }

  it('one post is one trace: HTTP → chat gRPC → outbox publish → notification consumers → socket writes and the notification row', async () => {
    const { root, trace } = await postTrace();
    const one = (name: string, match: (span: ReadableSpan) => boolean = () => true) => {
      const found = trace.filter((span) => span.name === name && match(span));
      expect(found, `${name} in the post's trace`).not.toHaveLength(0);
      return found[0]!;
    };
    const consumer = (name: string) => (span: ReadableSpan) =>
      span.attributes['messaging.consumer.group.name'] === name;

    expect(parentOf(root)).toBeUndefined();
    expect(root.attributes['http.route']).toBe('/v1/chats/:chatId/messages');

    const rpc = trace.find(
      (span) => span.kind === SpanKind.SERVER && span.name.endsWith('huddle.chat.v1.ChatService/PostMessage'),
    );
    expect(rpc, 'chat PostMessage server span').toBeDefined();
    expect(descends(rpc!, root, trace)).toBe(true);
    const insert = trace.find(
      (span) =>
        // The post's one statement: seq, message insert and read marker (chat's messages store).
        /\binsert into messages\b/.test(String(span.attributes['db.query.text'] ?? '')) &&
        descends(span, rpc!, trace),
    );
    expect(insert, 'the message insert under the gRPC span').toBeDefined();

    const published = one('chat.v1.message.created publish');
    expect(published.kind).toBe(SpanKind.PRODUCER);
    const inbox = one('chat.v1.message.created process', consumer('notification-inbox-messages'));
    const fanOut = one('chat.v1.message.created process', consumer('notification-realtime-chat'));
    for (const span of [inbox, fanOut]) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(descends(span, published, trace)).toBe(true);
    }
    // The notification row is written in the inbox consumer's span.
    const notificationRow = trace.find(
      (span) =>
        /^\s*insert into "?notifications"?\s/i.test(String(span.attributes['db.query.text'] ?? '')) &&
        descends(span, inbox, trace),
    );
    expect(notificationRow, 'the notification row under the inbox consumer').toBeDefined();

    // The fan-out's realtime publish reaches the reader's socket write on the gateway.
    const messageDelivery = one(
      'realtime deliver',
      (span) => span.attributes['huddle.realtime.type'] === 'message.created',
    );
    expect(descends(messageDelivery, fanOut, trace)).toBe(true);
    expect(descends(one('realtime publish'), fanOut, trace)).toBe(true);

    // …and so does the notification the inbox consumer emitted, through a second outbox hop.
    const notificationDelivery = one(
      'realtime deliver',
      (span) => span.attributes['huddle.realtime.type'] === 'notification.created',
    );
    expect(descends(notificationDelivery, one('notification.v1.notifications.created publish'), trace)).toBe(
      true,
    );
    expect(descends(notificationDelivery, inbox, trace)).toBe(true);
  });

  it('no span carries the message text, names, people’s or chats’ ids, or the token', async () => {
    await postTrace();
    const everything = JSON.stringify(
      spans
        .getFinishedSpans()
        .map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })),
    );
    const secrets = [
      body,
      'Blood results',
      poster.firstName,
      poster.lastName,
      reader.firstName,
      reader.lastName,
      poster.id,
      reader.id,
      chatId,
      messageId,
      posterToken,
      posterToken.split('.')[2]!,
    ];
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('every process serves the metrics named in the README after traffic', async () => {
    const scrape = async (url: string) => {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      return response.text();
    };
    const everyProcess = [
      /^# TYPE huddle_event_loop_delay_p99_seconds gauge$/m,
      /^huddle_event_loop_delay_p99_seconds \d/m,
      /^huddle_event_loop_utilization [\d.e-]+$/m,
    ];
    const gateway = [
      /^# TYPE huddle_http_request_duration_seconds histogram$/m,
      /^huddle_http_request_duration_seconds_count\{method="POST",route="\/v1\/chats\/:chatId\/messages",status_code="201"\} 1$/m,
      /^huddle_realtime_sockets 1$/m,
      /^huddle_realtime_deliveries_total\{type="message\.created"\} [1-9]/m,
      /^huddle_realtime_deliveries_total\{type="notification\.created"\} [1-9]/m,
    ];
    const service = [
      /^# TYPE huddle_grpc_server_duration_seconds histogram$/m,
      /^huddle_grpc_server_duration_seconds_count\{grpc_service="huddle\.chat\.v1\.ChatService",grpc_method="PostMessage",grpc_code="OK"\} 1$/m,
      /^huddle_db_pool_connections\{state="total"\} [1-9]/m,
      /^huddle_db_pool_connections\{state="idle"\} \d/m,
      /^huddle_db_pool_connections\{state="waiting"\} \d/m,
      /^huddle_outbox_backlog \d/m,
      /^huddle_outbox_oldest_age_seconds [\d.e-]+$/m,
      /^huddle_consumer_pending\{consumer="notification-inbox-messages"\} \d/m,
      /^huddle_consumer_redeliveries_total\{consumer="notification-inbox-messages"\} \d/m,
      /^huddle_messages_posted_total 1$/m,
    ];
    const expected = {
      gateway: [...everyProcess, ...gateway],
      chat: [...everyProcess, ...service],
      participant: [...everyProcess, ...service],
      'sharing-policy': [...everyProcess, ...service],
      notification: [...everyProcess, ...service],
    };
    // Here the five share one process and so one registry; deployed, each serves its own.
    for (const [process, patterns] of Object.entries(expected)) {
      const text = await scrape(system.metrics[process as keyof System['metrics']]);
      for (const pattern of patterns) expect(text, `${process} /metrics`).toMatch(pattern);
      // Labels say what kind, never who or which.
      for (const secret of [chatId, messageId, poster.id, reader.id, practice])
        expect(text).not.toContain(secret);
    }
  });
});
