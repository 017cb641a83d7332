using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Minimal ELF64 little-endian editor: weakens one GNU version requirement and unversions the
// dynamic symbols bound to it. Same-size edits only, so the file layout never moves.
public class T2IPatchTorchSharpShim : Task
{
    const string Version = "GLIBCXX_3.4.32";
    [Required] public string Source { get; set; } = "";
    [Required] public string Destination { get; set; } = "";
    [Output] public bool Needed { get; set; }
    /// <summary>Patch even where this machine's libstdc++ has the version: the output runs on other machines.</summary>
    public bool Portable { get; set; }

    public override bool Execute()
    {
        Needed = Portable || !SystemLibStdCxxHas(Version);
        if (!Needed) { Log.LogMessage(MessageImportance.Low, "libstdc++ has " + Version + "; TorchSharp needs no fix."); return true; }
        byte[] elf = File.ReadAllBytes(Source);
        int weakened = 0, unversioned = 0;
        ulong shoff = U64(elf, 0x28); int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        long verneed = -1, versym = -1, dynsym = -1, dynsymSize = 0; int verneedCount = 0, dynstrIndex = -1;
        for (int i = 0; i < shnum; i++)
        {
            long sh = (long)shoff + i * shentsize;
            uint type = U32(elf, sh + 4);
            if (type == 0x6ffffffe) { verneed = (long)U64(elf, sh + 24); verneedCount = (int)U32(elf, sh + 44); }
            else if (type == 0x6fffffff) versym = (long)U64(elf, sh + 24);
            else if (type == 11) { dynsym = (long)U64(elf, sh + 24); dynsymSize = (long)U64(elf, sh + 32); dynstrIndex = (int)U32(elf, sh + 40); }
        }
        if (verneed < 0 || versym < 0 || dynsym < 0) { Log.LogError("libLibTorchSharp.so: no GNU version sections"); return false; }
        long dynstr = (long)U64(elf, (long)shoff + dynstrIndex * shentsize + 24);
        int versionIndex = -1;
        long vn = verneed;
        for (int n = 0; n < verneedCount; n++)
        {
            int cnt = U16(elf, vn + 2); long aux = vn + U32(elf, vn + 8);
            for (int a = 0; a < cnt; a++)
            {
                if (Str(elf, dynstr + U32(elf, aux + 8)) == Version)
                {
                    elf[aux + 4] |= 0x2; // VER_FLG_WEAK: the loader warns instead of failing
                    versionIndex = U16(elf, aux + 6); weakened++;
                }
                aux += U32(elf, aux + 12);
            }
            vn += U32(elf, vn + 12);
        }
        if (versionIndex >= 0)
        {
            for (long s = 0; s < dynsymSize / 24; s++)
            {
                long vs = versym + s * 2;
                if ((U16(elf, vs) & 0x7fff) != versionIndex) continue;
                elf[vs] = 1; elf[vs + 1] = 0; // VER_NDX_GLOBAL: resolve from any loaded definition
                unversioned++;
                Log.LogMessage(MessageImportance.Low, "unversioned " + Str(elf, dynstr + U32(elf, dynsym + s * 24)));
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Destination));
        string tmp = Destination + ".tmp";
        File.WriteAllBytes(tmp, elf);
        if (File.Exists(Destination)) File.Delete(Destination);
        File.Move(tmp, Destination);
        Log.LogMessage(MessageImportance.Normal, "TorchSharp shim patched for old libstdc++: " + weakened + " requirement(s) weakened, " + unversioned + " symbol(s) unversioned.");
        return true;
    }

    static bool SystemLibStdCxxHas(string version)
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64" })
        {
            string path = Path.Combine(dir, "libstdc++.so.6");
            if (!File.Exists(path)) continue;
            byte[] bytes = File.ReadAllBytes(path), needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= bytes.Length; i++)
            {
                int j = 0; while (j < needle.Length && bytes[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }
        return true; // no system libstdc++ found where we look: leave the package untouched
    }

    static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, (int)o);
    static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);
    static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);
    static string Str(byte[] b, long o) { long e = o; while (b[e] != 0) e++; return Encoding.ASCII.GetString(b, (int)o, (int)(e - o)); }
}
