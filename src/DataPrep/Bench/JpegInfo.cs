namespace T2I.DataPrep.Bench;

/// <summary>Reads a JPEG's chroma subsampling from its frame header, to check both encoders do the same work.</summary>
internal static class JpegInfo
{
    /// <summary>"4:2:0", "4:4:4", … from the SOF segment's sampling factors; "?" when not found.</summary>
    public static string Chroma(byte[] jpeg)
    {
        for (int i = 2; i + 4 < jpeg.Length;)
        {
            if (jpeg[i] != 0xFF) return "?";
            byte marker = jpeg[i + 1];
            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                int components = jpeg[i + 9];
                if (components < 3) return "gray";
                int luma = jpeg[i + 11], chroma = jpeg[i + 14];
                int h = (luma >> 4) / Math.Max(1, chroma >> 4), v = (luma & 15) / Math.Max(1, chroma & 15);
                return (h, v) switch { (1, 1) => "4:4:4", (2, 1) => "4:2:2", (2, 2) => "4:2:0", _ => $"{h}x{v}" };
            }
            i += 2 + length;
        }
        return "?";
    }
}
