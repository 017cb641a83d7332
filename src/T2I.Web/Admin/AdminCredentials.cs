using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace T2I.Web.Admin;

/// <summary>
/// The admin account from configuration: <c>T2I:Admin:User</c> and <c>T2I:Admin:PasswordHash</c> (PBKDF2-SHA256,
/// made by <c>dotnet run --no-launch-profile --project src/T2I.Web -- hash-password</c>). There is no built-in default: without
/// both values — in any environment — admin is disabled and <see cref="DisabledReason"/> says why.
/// </summary>
public sealed class AdminCredentials
{
    private const string Scheme = "pbkdf2-sha256";
    private const int Iterations = 210_000, SaltBytes = 16, HashBytes = 32;

    private readonly string? _user;
    private readonly (int Iterations, byte[] Salt, byte[] Hash)? _hash;

    public AdminCredentials(IOptions<AdminOptions> options)
    {
        _user = options.Value.User;
        string? hash = options.Value.PasswordHash;
        if (string.IsNullOrWhiteSpace(_user) || string.IsNullOrWhiteSpace(hash))
            DisabledReason = "no admin account is configured. Set T2I:Admin:User and T2I:Admin:PasswordHash " +
                             "(make the hash with: dotnet run --no-launch-profile --project src/T2I.Web -- hash-password).";
        else if ((_hash = Parse(hash)) is null)
            DisabledReason = $"T2I:Admin:PasswordHash is not a '{Scheme}$…' hash (plain passwords are not accepted); make one " +
                $"with hash-password.";
    }

    /// <summary>Null when admin login is possible.</summary>
    public string? DisabledReason { get; }

    public bool Enabled => DisabledReason is null;

    public bool Verify(string? user, string? password)
    {
        if (!Enabled || user is null || password is null) return false;
        var (iterations, salt, expected) = _hash!.Value;
        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256,
            expected.Length);
        bool userOk = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(_user!));
        return CryptographicOperations.FixedTimeEquals(actual, expected) & userOk;
    }

    public static string Hash(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Scheme}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    private static (int, byte[], byte[])? Parse(string text)
    {
        var parts = text.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out int iterations) || iterations < 10_000) return null;
        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var hash = Convert.FromBase64String(parts[3]);
            return salt.Length >= 8 && hash.Length >= 16 ? (iterations, salt, hash) : null;
        }
        catch (FormatException) { return null; }
    }
}
