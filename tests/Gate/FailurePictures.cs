namespace Raft.Gate;

/// <summary>Clears the failure pictures of earlier runs when a gate's tests are loaded, so the folder shows this run only.</summary>
internal static class FailurePictures
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void ClearEarlierRuns()
    {
        try
        {
            var dir = Path.Combine(GateInfo.RepoRoot, "artifacts", "failures", GateInfo.ChapterSlug);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // An old picture that cannot be removed (open elsewhere) is harmless.
        }
    }
}
