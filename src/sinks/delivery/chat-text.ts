/**
 * @module sinks/delivery/chat-text
 * The facts a chat message shows about an alert, shared by the Slack and Teams payloads. Values are raw
 * (attacker-controlled) here; each payload makes them inert in its own way.
 */
import type { Alert } from '../../alerts/types.js';

export interface ChatFacts {
  severity: string;
  title: string;
  summary: string;
  facts: [label: string, value: string][];
}

export function chatFacts(alert: Alert): ChatFacts {
  const app = alert.entities.application ?? alert.entities.servicePrincipal;
  const actor = alert.entities.actor;
  const appText = app ? [app.displayName, app.appId ? `(appId ${app.appId})` : ''].filter(Boolean).join(' ') : '';
  const actorText = actor ? [actor.userPrincipalName ?? actor.displayName ?? actor.appId ?? actor.id, actor.ip ? `from ${actor.ip}` : ''].filter(Boolean).join(' ') : '';
  const facts: [string, string][] = [
    ['Application', appText],
    ['Actor', actorText],
    ['Event time', alert.time],
    ['Rule', alert.rule.id],
    ['Alert id', alert.id],
  ];
  return {
    severity: alert.severity.toUpperCase(),
    title: alert.rule.title,
    summary: alert.summary,
    facts: facts.filter(([, v]) => v !== ''),
  };
}
