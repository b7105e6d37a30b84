import { PageHead } from '../../shell.tsx';
import { BackupsSection } from './backups.tsx';

/** What belongs to the whole instance rather than one project: backups. */
export default function InstanceSettingsPage() {
  return (
    <>
      <PageHead title="Instance settings" subtitle="Settings of the whole instance, across its projects. Only instance admins see this page." />
      <BackupsSection />
    </>
  );
}
