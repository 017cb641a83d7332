using System.Runtime.InteropServices;
using T2I.Core.Data;

namespace T2I.DataPrep.Bench;

/// <summary>
/// libvips itself, loaded into this process (Debian's <c>libvips42</c>, which <c>libvips-tools</c> brings):
/// <c>vips_thumbnail_buffer</c> (shrink-on-load, centre crop to exactly the bucket) then
/// <c>vips_jpegsave_buffer</c> (Q92, 4:2:0 forced like ours), one image after another on one libvips thread.
/// Its start-up (library and module loading) happens once before timing, so it is excluded by design — what
/// a long-lived vips worker (pyvips, a vips server) pays per image. No operation cache, so nothing is reused
/// between images.
/// </summary>
internal static partial class VipsInProcess
{
    private const string Vips = "libvips.so.42", GLib = "libglib-2.0.so.0", GObject = "libgobject-2.0.so.0";
    private const int InterestingCentre = 1;   // VipsInteresting: VIPS_INTERESTING_CENTRE
    private const int SubsampleOn = 1;         // VipsForeignSubsample: VIPS_FOREIGN_SUBSAMPLE_ON
    private static readonly Lazy<bool> Started = new(Start);

    /// <summary>False when libvips is not installed (or fails to start).</summary>
    public static bool Available => Started.Value;

    /// <summary>The bucket-sized JPEG for one encoded image.</summary>
    public static byte[] Thumbnail(byte[] encoded, AspectBucket bucket, int quality)
    {
        if (!Available) throw new InvalidOperationException("libvips is not available.");
        IntPtr image = IntPtr.Zero, buffer = IntPtr.Zero;
        var pin = GCHandle.Alloc(encoded, GCHandleType.Pinned);
        try
        {
            // The option lists are C varargs (name, value, …, NULL); with only int and pointer arguments
            // the x86-64 and arm64 Linux calling conventions pass them like fixed parameters.
            Check(vips_thumbnail_buffer(pin.AddrOfPinnedObject(), (nuint)encoded.Length, out image, bucket.Width,
                "height", bucket.Height, "crop", InterestingCentre, IntPtr.Zero));
            Check(vips_jpegsave_buffer(image, out buffer, out nuint length, "Q", quality, "subsample_mode", SubsampleOn, IntPtr.Zero));
            var bytes = new byte[(int)length];
            Marshal.Copy(buffer, bytes, 0, bytes.Length);
            return bytes;
        }
        finally
        {
            if (buffer != IntPtr.Zero) g_free(buffer);
            if (image != IntPtr.Zero) g_object_unref(image);
            pin.Free();
        }
    }

    private static bool Start()
    {
        try
        {
            if (vips_init("dataprep-bench") != 0) return false;
            vips_concurrency_set(1);
            vips_cache_set_max(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    private static void Check(int status)
    {
        if (status == 0) return;
        string message = Marshal.PtrToStringUTF8(vips_error_buffer()) ?? "unknown error";
        vips_error_clear();
        throw new InvalidOperationException($"libvips: {message.Trim()}");
    }

    [LibraryImport(Vips, StringMarshalling = StringMarshalling.Utf8)] private static partial int vips_init(string argv0);
    [LibraryImport(Vips)] private static partial void vips_concurrency_set(int concurrency);
    [LibraryImport(Vips)] private static partial void vips_cache_set_max(int max);
    [LibraryImport(Vips)] private static partial IntPtr vips_error_buffer();
    [LibraryImport(Vips)] private static partial void vips_error_clear();
    [LibraryImport(GLib)] private static partial void g_free(IntPtr memory);
    [LibraryImport(GObject)] private static partial void g_object_unref(IntPtr instance);

    [LibraryImport(Vips, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int vips_thumbnail_buffer(IntPtr buffer, nuint length, out IntPtr image, int width,
        string heightName, int height, string cropName, int crop, IntPtr end);

    [LibraryImport(Vips, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int vips_jpegsave_buffer(IntPtr image, out IntPtr buffer, out nuint length,
        string qualityName, int quality, string subsampleName, int subsample, IntPtr end);
}
