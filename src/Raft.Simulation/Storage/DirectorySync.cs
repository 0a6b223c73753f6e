using System.Runtime.InteropServices;

namespace Raft;

/// <summary>
/// Makes a directory's entries durable (fsync on the directory itself): after a rename, the new name survives a power
/// cut only once its directory is synced. .NET has no API for it, so this calls the C library on Linux and macOS.
/// On Windows, NTFS journals the rename itself.
/// </summary>
public static class DirectorySync
{
    public static void Sync(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Could not open {directory} to make a rename in it durable (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Could not sync {directory} (errno {Marshal.GetLastPInvokeError()}); a rename in it may not survive a power cut.");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
