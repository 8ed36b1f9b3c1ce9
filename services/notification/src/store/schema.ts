export { inbox, outbox } from '@huddle/bus/tables';
