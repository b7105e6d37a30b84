import { useQuery } from '@tanstack/react-query';
import type { BaasClient } from '@baas/sdk';

/** Whether a content type (or a file name) is an image the server can transform. */
export function isImage(contentTypeOrName: string): boolean {
  return /^image\/(jpeg|png|webp|avif|gif|tiff)/.test(contentTypeOrName) || /\.(jpe?g|png|webp|avif|gif|tiff?)$/i.test(contentTypeOrName);
}

/**
 * A URL an <img> can load for a private object: signed for 10 minutes, with
 * an image transform (`width`) so a thumbnail is small.
 */
export function useObjectUrl(client: BaasClient, bucket: string, path: string, width?: number) {
  return useQuery({
    queryKey: ['signed', client.project, bucket, path, width],
    queryFn: async () => {
      const { token } = await client.storage.bucket(bucket).signedUrl(path, { expiresIn: 600 });
      return client.storage.bucket(bucket).url(path, { token, ...(width ? { width, format: 'webp' as const } : {}) });
    },
    staleTime: 5 * 60_000,
  });
}

/** A thumbnail of an image object (or nothing while it is signed). */
export function Thumbnail({ client, bucket, path, size = 44 }: { client: BaasClient; bucket: string; path: string; size?: number }) {
  const url = useObjectUrl(client, bucket, path, size * 2);
  if (!url.data) return <span className="thumb" style={{ width: size, height: size }} aria-hidden="true" />;
  return <img className="thumb" style={{ width: size, height: size }} src={url.data} alt={`Preview of ${path}`} />;
}
