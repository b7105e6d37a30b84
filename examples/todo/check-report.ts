import type { Test } from 'tap';
import type { ScenarioReport } from './scenario.ts';

/** What the walkthrough must have seen, in Node and in the browser alike. */
export function checkReport(t: Test, report: ScenarioReport): void {
  t.same(report.live[0], [], 'the live list starts empty');
  t.same(report.live.at(-1), ["write the README's SDK section"], 'after the toggle only the open todo is listed');
  t.ok(report.live.some((titles) => titles.length === 2), 'both todos were listed live');
  t.same(report.searchHits, ["write the README's SDK section"], 'a quote in user input is just text');
  t.equal(report.uploaded.text, 'remember: the SDK section', 'the attachment round-trips');
  t.equal(report.uploaded.progressEnd, 'remember: the SDK section'.length, 'progress ends at the size');
  t.match(report.uploaded.attachment, new RegExp(`^attachments/${report.userId}/`));
  t.same(report.otherUser, { sees: 0, download: '404 object_not_found', update: '404 record_not_found' }, 'another user sees nothing');
  t.same(report.afterSignOut, { user: null, guestSees: 0 });
}
