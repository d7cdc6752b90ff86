/* test_augment.c - the random affine (identity, shifts, quarter turns, torchvision's outputs), its draws,
 * Gaussian noise statistics and thread-count independence. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rm_augment.h"
#include "rm_pool.h"
#include "test_util.h"

#define S RM_IMG_SIDE
#define N_IMAGES 300

/* The test image of the reference below: a block and a disc of varied integer values on 0. */
static void test_image(uint8_t *img)
{
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++)
            img[i * S + j] = ((4 <= i && i < 24 && 6 <= j && j < 20) || (i - 8) * (i - 8) + (j - 20) * (j - 20) < 30)
                                 ? (uint8_t)(((i * 7 + j * 13) * (i + 3) + j * j) % 256)
                                 : 0;
}

/* Made by this script with Debian's python3-torch 1.13, replicating torchvision 0.14's tensor path of
 * F.affine(img, angle, [tx, ty], scale, [0, 0], InterpolationMode.BILINEAR, fill=0) on a uint8 (28, 28):
 *
 *   def inv_matrix(angle, tx, ty, scale):          # torchvision _get_inverse_affine_matrix, centre (0, 0)
 *       rot = math.radians(angle); sx = sy = 0.0; cx = cy = 0.0
 *       a = math.cos(rot - sy) / math.cos(sy)
 *       b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
 *       c = math.sin(rot - sy) / math.cos(sy)
 *       d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
 *       m = [x / scale for x in [d, -b, 0.0, -c, a, 0.0]]
 *       m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty); m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
 *       return m
 *   def affine(img, angle, tx, ty, scale):         # _gen_affine_grid + _apply_grid_transform
 *       h, w = img.shape
 *       theta = torch.tensor(inv_matrix(angle, tx, ty, scale), dtype=torch.float32).reshape(1, 2, 3)
 *       base = torch.empty(1, h, w, 3); d = 0.5
 *       base[..., 0].copy_(torch.linspace(-w * 0.5 + d, w * 0.5 + d - 1, steps=w))
 *       base[..., 1].copy_(torch.linspace(-h * 0.5 + d, h * 0.5 + d - 1, steps=h).unsqueeze_(-1))
 *       base[..., 2].fill_(1)
 *       rt = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h])
 *       grid = base.view(1, h * w, 3).bmm(rt).view(1, h, w, 2)
 *       out = F.grid_sample(img.float()[None, None], grid, mode="bilinear", padding_mode="zeros",
 *                           align_corners=False)
 *       return torch.round(out[0, 0]).to(torch.uint8)
 */
/* torchvision 0.14 F.affine(uint8 tensor, bilinear, fill 0) of test_image(), by the script above */
static const rm_affine TV_CASES[6] = {
    {30.0, 2, -3, 1.1},
    {-17.5, 0, 0, 0.85},
    {90.0, 0, 0, 1.0},
    {0.0, 3, -2, 1.0},
    {45.0, 1, 1, 1.3},
    {-8.25, -2, 3, 0.9},
};
static const uint8_t TV_OUT[6][784] = {
    {  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 15, 37,170,149,123, 33,148, 79, 60, 21,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,145,148,140, 70,196,147,116, 31,138, 49, 38, 11,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 57,189,131, 66,115,179,108,224,149, 87, 33,129,188, 71,  0,  4,  2,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,127,134, 75, 44,178,127,128,221,133, 38,103, 91,109,123,156, 72, 85, 58,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 68,146, 95, 37,125,165, 94, 16,141,102, 86,167, 64,126,100,135,117,191,104,
       0,  0,  0,  0,  0,  0,  0,  0, 16,145,126, 75, 82,215,149, 78,102,177, 89,192,157, 83,155, 91,151,125,161,115,
       0,  0,  0,  0,  0,  0,  0,  0,105,166,123, 72,100,203,151, 80, 64,156,115,187,164, 65,103,145,221,121,144,153,
       0,  0,  0,  0,  0,  0,  0, 18,180,182,139, 90, 63,221,171,101, 66,189,121,174,192, 92, 46,117,183,153, 77,147,
       0,  0,  0,  0,  0,  0,  0, 17,120,215,172,126, 73,101,155,141, 69,147,164, 89,113,135, 87,158,152,148,117,159,
       0,  0,  0,  0,  0,  0, 37, 76,110,197,225,180,127, 72,  9,120,127,144,177,137,112,202,100,182,135, 91,159,222,
       0,  0,  0,  0,  0,  1,138,143,116, 79,142,212,202,146, 91,170,205,130, 55, 86,110,131,145,154,158,144,152,139,
       0,  0,  0,  0,  0, 56,199,224,139,168,130,101,169,230,180,114,131,172,146, 61, 68,131, 45,135, 68, 92, 86, 46,
       0,  0,  0,  0, 22,112,100,139, 51,113,191,195,118,140,199,227,160, 85,124,155,157,204,172,232,192,185,212,120,
       0,  0,  0,  0, 57,178,192,122,176,145,115,180, 47, 69,127,182,224, 55, 57, 89,118,140,159,170,179,180,178,170,
       0,  0,  0, 49,128,115,150, 75,149,234,106,135,166,103, 74,131,179,116, 38, 43, 72, 68, 88,128,137,139,119,111,
       0,  0,  0, 94,128, 71,163, 49,108,193,130, 97,170,114, 41, 97,148,194,210, 95, 37,  7,  0, 43, 73, 35, 18, 10,
       0,  0,  1, 59,185, 87,149,115, 85,173,142, 78,152,201, 49, 81,135,181,223, 66,  9,  0,  0,  0,  1,  0,  0,  0,
       0,  0,  0,  0, 21, 37,142,142, 84,171,222, 93,152,190, 84, 85,139,186,122,  1,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0, 51,153, 96,187,123, 96,169,240,118,108,162,188, 30,  1,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0, 55,134, 51,132,208,178, 87,149,203,115, 12,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  6, 51,111,111,112,146,185,209, 59,  9,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  9, 43,154,199, 59,126, 51,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 65,123,124,149, 13,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 83, 82,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0},
    {  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  2,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 41, 24,132, 39,  1,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 29,145,135,208,172, 99, 40, 31,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  7, 99, 97,205,142,116,144,160, 55,135, 48,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0, 25, 25,102, 53,129,104, 83,195,148, 90,135,221,103,104, 63,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  7, 86,132,129, 54,120, 13,143, 89,127,140,179,128,172,139, 52,181,102,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 56, 63,131,108,146,190, 70,158,126, 50, 49,152,159,149,108,145,172, 86,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 76,159,116,207,106,190,134,150,196,171,126, 99,164, 83,140,192,139, 27,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 11, 77,111,130,127, 32,188,136,111,109,117,151, 65,204,194,151, 85,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,221,112, 59,168, 91, 56,129,179,182,120, 68,212,178,142,118, 15,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,116,120, 32,211,158,114, 86,115, 72, 87,116,145,111, 30,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0, 43,136, 67,120,188,194, 95,204,194,139, 97, 70, 58,  7,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,160,111, 78, 76, 54, 65,111,128,182,  8, 78,114,  7,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,120,162,148,147,164,193,235,204,187,183,197,218,  1,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0, 68,170,226,228,173,131,104, 92, 94,111,143,188, 48,  1,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0, 43, 97, 94,149,217,102,143, 22, 46, 97,161,132, 17,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0, 79,147,129,111,110,120,147,187,141, 92,143,223, 66,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0, 77,227,126,164,235,139, 57,118,194,160,132,137,129,  5,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  3,100,160, 78,115,166,225, 86,151,220,129,172,142, 46,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,116,160,190, 84, 72,157,122,116, 35, 54, 33,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 55,104, 88,153,208, 74, 73,  6,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 13,129,107, 32,  4,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0},
    {  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,106,204, 60,186, 70,224,136, 62,  2,212,180,162,158,168,192,230, 26, 92,172, 10,  0,  0,  0,  0,
       0,  0,  0,  0,201, 30,129,242,113,254,153, 66,249,190,145,114, 97, 94,105,130,169,222, 33,114,  0,  0,  0,  0,
       0,  0,  0,  0, 42,114,200, 44,158, 30,172, 72,242,170,112, 68, 38, 22, 20, 32, 58, 98,152,220,  0,  0,  0,  0,
       0,  0,  0,  0,141,200, 17,104,205, 64,193, 80,237,152, 81, 24,237,208,193,192,205,232, 17, 72,  0,  0,  0,  0,
       0,  0,  0,  0,242, 32, 92,166,254,100,216, 90,234,136, 52,238,182,140,112, 98, 98,112,140,182,  0,  0,  0,  0,
       0,  0,  0,  0, 89,122,169,230, 49,138,241,102,233,122, 25,198,129, 74, 33,  6,249,250,  9, 38,  0,  0,  0,  0,
       0,  0,  0,  0,194,214,248, 40,102,178, 12,116,234,110,  0,160, 78, 10,212,172,146,134,136,152,  0,  0,  0,  0,
       0,  0,  0,  0, 45, 52, 73,108,157,220, 41,132,237,100,233,124, 29,204,137, 84, 45, 20,  9, 12,  0,  0,  0,  0,
       0,  0,  0,  0,154,148,156,178,214,  8, 72,150,242, 92,212, 90,238,144, 64,254,202,164,140,130,  0,  0,  0,  0,
       0,  0,  0,  0,  9,246,241,250, 17, 54,105,170,249, 86,193, 58,193, 86,249,170,105, 54, 17,250,  0,  0,  0,  0,
       0,  0,  0,  0,122, 90, 72, 68, 78,102,140,192,  2, 82,176, 28,150, 30,180, 88, 10,202,152,116,  0,  0,  0,  0,
       0,  0,  0,  0,237,192,161,144,141,152,177,216, 13, 80,161,  0,109,232,113,  8,173, 96, 33,240,  0,  0,  0,  0,
       0,  0,  0,  0, 98, 40,252,222,206,204,216,242, 26, 80,148,230, 70,180, 48,186, 82,248,172,110, 62,  0,  0,  0,
       0,  0,  0,  0,217,146, 89, 46, 17,  2,  1, 14, 41, 82,137,206, 33,130,241,110,249,146, 57,238,177,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,128,184,254, 82,180, 36,162, 46,200,112, 38,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,121,164,221, 36,121,220, 77,204, 89,244,157,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,116,146,190,248, 64,150,250,108,236,122, 22,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,130,161,206,  9, 82,169, 14,129,  2,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,134,166,212, 16, 90,178, 24,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,128,161,208, 13, 88,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0},
    {  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 62,177, 38,157, 22,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 10,114,220, 72,182, 38,152, 12,130,250,116,240,110,238,112,244,122,  2,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,172, 33,152, 17,140,  9,136,  9,140, 17,152, 33,172, 57,200, 89,236,129, 24,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 92,222, 98,232,112,250,134, 20,164, 54,202, 96,248,146, 46,204,108, 14,178,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 26,169, 58,205, 98,249,146, 45,202,105, 10,173, 82,249,162, 77,250,169, 90,
       0,  0,  0,  0,  0,  0,  0,  0,  0,230,130, 32,192, 98,  6,172, 84,254,170, 88,  8,186,110, 36,220,150, 82, 16,
       0,  0,  0,  0,  0,  0,  0,  0,  0,192,105, 20,193,112, 33,212,137, 64,249,180,113, 48,241,180,121, 64,  9,212,
       0,  0,  0,  0,  0,  0,  0,  0,  0,168, 94, 22,208,140, 74, 10,204,144, 86, 30,232,180,130, 82, 36,248,206,166,
       0,  0,  0,  0,  0,  0,  0,  0,  0,158, 97, 38,237,182,129, 78, 29,238,193,150,109, 70, 33,254,221,190,161,134,
       0,  0,  0,  0,  0,  0,  0,  0,  0,162,114, 68, 24,238,198,160,124, 90, 58, 28,  0,230,206,184,164,146,130,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,180,145,112, 81, 52, 25,  0,233,212,193,176,161,148,137,128,121,116,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,212,190,170,152,136,122,110,100, 92, 86, 82, 80, 80, 82,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  2,249,242,237,234,233,234,237,242,249,  2, 13, 26, 41,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 62, 66, 72, 80, 90,102,116,132,150,170,192,216,242, 14,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,136,153,172,193,216,241, 12, 41, 72,105,140,177,216,  1,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,224,254, 30, 64,100,138,178,220,  8, 54,102,152,204,  2,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 70,113,158,205,254, 49,102,157,214, 17, 78,141,206, 17,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,186,242, 44,104,166,230, 40,108,178,250, 68,144,222, 46,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 60,129,200, 17, 92,169,248, 73,156,241, 72,161,252, 89,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,204, 30,114,200, 32,122,214, 52,148,246, 90,192, 40,146,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,106,201, 42,141,242, 89,194, 45,154,  9,122,237, 98,217,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0},
    {  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 35,128,101, 92,120, 35,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  9, 56,144, 99,110,194, 93, 15,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 78,116, 89,196,151,131, 83, 75,105, 24,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 64,183,185,148,113, 89,167, 96,112,138, 49, 12,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 56,155,152,117, 78, 54,148,203,144,121, 44, 69, 97, 16,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0, 54,142,135, 99, 60, 35,128,183,131,140,199,106,123, 92, 13, 12,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0, 58,143,135, 98, 59, 32,126,180,128,104,216,214,146, 85, 15, 72, 96, 33,  0,  0,
       0,  0,  0,  0,  0,  0,  0, 67,159,151,113, 74, 46,140,193,140, 87, 28,135,159, 94, 24, 80,135,167,165, 26,  0,
       0,  0,  0,  0,  0,  0, 30,179,184,145,106, 63,120,222,170,115, 56, 79,152,121, 49,106,156, 78, 75,146,102, 35,
       0,  0,  0,  0,  0, 15,  9,147,193,154,108, 63, 79,190,160,101, 65,163,163, 91,147,197,119, 69,124,129,173,147,
       0,  0,  0,  0, 40, 69, 78,219,218,172,126, 76,126,221,162, 99, 34,118,148,128,239,176, 92,105,173, 82,101,135,
       0,  0,  0, 72,144,124, 85,126,219,206,153,101, 54,134,176,111, 65,157,151, 82,185,164, 79, 49,127,135,177,133,
       0,  0, 27,144,223,183,141, 95,129,216,196,137, 78, 24, 98,134, 62,142,164,129,216,168, 76, 79,145,170,198, 94,
       0, 62,112, 97,197,142,130,159,107,135,215,189,123, 57, 98,166,110,188,189,104, 96,152, 89, 65,129,150,189,101,
      26,101,207,174,136, 83, 70,157,180,121,143,217,183,112,162,217,139, 90,144,139, 90,167,111, 98,154,175,204, 97,
     137, 94,176,140,106,178,126,107,187,203,120,153,220,181,102,151,195,110, 54,102,133,188,148,130,184, 83, 98,114,
     133, 66,155,128, 81,164,230,147,145,162, 59,101,166,227,180, 95,138,175, 84, 21, 88,100,135,163,196,124,141,156,
     157, 83,143, 98, 65,145,194, 96,117,153, 77, 61,122,181,235,162, 83,127,158,106,180,109, 57,115,111,133,153,168,
      84, 66,153,125, 71,141,214,116,100,167,192, 74, 92,146,187, 96, 36, 77,119,152,189,185,158,215, 98, 77, 97, 86,
       8, 72,161,109, 73,146,183, 70, 97,158,142, 19, 74,125,173,135, 37, 43, 78,112,141,170,193,215,183,182,182, 52,
       0, 26,150,167,106,166,233,130,104,165,193, 60, 68,116,160,201,157, 52, 52, 80, 88,130,153,169,185,196,205,156,
       0,  0, 34, 87,130,197,157, 78,127,181,157, 27, 75,118,160,197,232,113, 38, 30,  0, 62,122,138,148,157,162,165,
       0,  0,  0, 20,128,136, 58,105,159,212,226, 91, 93,135,171,206,136, 25, 12,  0,  0,  0, 59, 95, 91,100,101, 98,
       0,  0,  0,  0, 22, 37,100,151,206,220,127, 85,126,161,196,125, 14,  2,  0,  0,  0,  0,  0, 15,  4, 13, 11,  7,
       0,  0,  0,  0,  0, 16,105,103,185,136, 94,134,169,203,131, 20,  1,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0, 11, 17, 99,119,158,184,226,153, 42,  8,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0, 14,104,199,155,123,175, 81, 24,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0, 35,138,104, 95,126, 49,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0},
    {  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 20, 89, 35,106, 15,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 23, 58, 90,198,100,230,113, 26,  6,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 22, 28, 75, 23,103, 33,162,167,145,137,123,167,102,211, 88, 91, 41,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  3, 60,156,102,130, 38,132, 15,127, 64,138,140,177, 84,155,152, 89,121, 26,  0,  0,  0,  0,  0,  0,
       0,  0,  0, 33,131,109,123,135,175,156, 36,172, 80, 98,145,152,198,119,186,137, 46,179,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  3, 92,173,122,165,179,180, 80,193,146, 64, 50,168,109,128,138, 57,132,170, 12,  0,  0,  0,  0,  0,
       0,  0,  0,  0, 96,142, 67,168, 65, 89,137,146,200,170,110, 73,202,124,108,181,178,134, 23,  0,  0,  0,  0,  0,
       0,  0,  0,  0,172,123, 24,184, 98, 80,143,142,127, 63,189,162, 95,169,172,189,150, 55,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,116,116, 33,200,145, 84, 62,129,201,168,106,108,119,206,175,146, 88,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0, 79,122, 56,174,196,161,124,106, 91, 59, 53,143,172,146,127,111,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0, 54,140, 92, 52,133,108, 48,218,206,169,140,117,101, 48,  2,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0, 31,171,141,119,103, 94, 92,104,112,128, 47, 41, 43, 23,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  3,189,203,197,199,207,223,229,219,217,106,159,172,  9,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 14,181,152,130,115,109,108,117,132,154,183,206,  1,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 68,106,135,171,214,171, 69, 82, 58, 98,144,198,  7,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,109,204, 95, 76,109,125,161,163, 97, 54,118,191, 58,  2,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 69,143,136,193,234,108, 77,138,190,175,105,195,120, 16,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 45,181,140, 81,129,192,161, 84,168,205,104,173,130, 50,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0, 15, 94,151,124, 75,116,204, 80,144,205,116,176,116,111,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,183, 62,120,155,131,157, 91,120, 18, 72, 98, 33, 18,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0, 92,150, 34, 75, 56, 18,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
       0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0},
};

static uint64_t lcg_state = 12345;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(lcg_state >> 33);
}

/* A small in-memory data set: random images (sparse, like digits) and labels. */
static void make_dataset(rm_dataset *d, uint8_t *images, uint8_t *labels)
{
    for (int k = 0; k < N_IMAGES * RM_IMG_SIZE; k++) images[k] = lcg() % 3 ? 0 : (uint8_t)(lcg() & 255);
    for (int k = 0; k < N_IMAGES; k++) labels[k] = (uint8_t)(lcg() % 10);
    d->images = images;
    d->labels = labels;
    d->n = N_IMAGES;
}

static void test_identity(const rm_dataset *d, const float *lut)
{
    uint8_t out[RM_IMG_SIZE];
    const rm_affine id = {0.0, 0, 0, 1.0};
    for (int n = 0; n < 20; n++) {
        rm_affine_apply(&id, d->images + (size_t)n * RM_IMG_SIZE, out);
        CHECK(memcmp(out, d->images + (size_t)n * RM_IMG_SIZE, RM_IMG_SIZE) == 0);
    }
    /* A config whose every draw is the identity: bit-identical to rm_gather, floats and labels. */
    enum { B = 40 };
    uint32_t idx[B];
    for (int i = 0; i < B; i++) idx[i] = (uint32_t)((i * 37 + 5) % N_IMAGES);
    static float xa[B * RM_IMG_SIZE], xg[B * RM_IMG_SIZE];
    uint8_t ya[B], yg[B];
    const rm_augment_cfg same = {0.0, 0.0, 1.0, 1.0, 1};
    memset(xa, 0xff, sizeof xa);
    rm_augment_gather(&same, 7, 3, d, idx, B, lut, xa, ya);
    rm_gather(d, idx, B, lut, xg, yg);
    CHECK(memcmp(xa, xg, sizeof xa) == 0);
    CHECK(memcmp(ya, yg, sizeof ya) == 0);
    const rm_augment_cfg off = {15.0, 0.2, 0.8, 1.2, 0};
    memset(xa, 0xff, sizeof xa);
    rm_augment_gather(&off, 7, 3, d, idx, B, lut, xa, ya);
    CHECK(memcmp(xa, xg, sizeof xa) == 0);
    /* and with a real config something changes, while the labels stay */
    const rm_augment_cfg on = {15.0, 0.2, 0.8, 1.2, 1};
    rm_augment_gather(&on, 7, 3, d, idx, B, lut, xa, ya);
    CHECK(memcmp(xa, xg, sizeof xa) != 0);
    CHECK(memcmp(ya, yg, sizeof ya) == 0);
    /* rm_augment_images is the same uint8 images before the lut */
    static uint8_t u8[B * RM_IMG_SIZE];
    rm_augment_images(&on, 7, 3, d, idx, B, u8);
    int same_lut = 1;
    for (int k = 0; k < B * RM_IMG_SIZE; k++) same_lut &= lut[u8[k]] == xa[k];
    CHECK(same_lut);
}

/* An integer shift is a roll with zeros brought in: out[i][j] = in[i - ty][j - tx]. */
static void test_shift(const uint8_t *img)
{
    static const int shifts[][2] = {{1, 0}, {0, 1}, {-1, 0}, {3, -2}, {-5, 7}, {27, 0}, {0, -27}, {28, 28}, {-13, 13}};
    uint8_t out[RM_IMG_SIZE];
    for (size_t c = 0; c < sizeof shifts / sizeof shifts[0]; c++) {
        const rm_affine t = {0.0, shifts[c][0], shifts[c][1], 1.0};
        rm_affine_apply(&t, img, out);
        int bad = 0;
        for (int i = 0; i < S; i++)
            for (int j = 0; j < S; j++) {
                const int si = i - t.ty, sj = j - t.tx;
                const uint8_t want = si >= 0 && si < S && sj >= 0 && sj < S ? img[si * S + sj] : 0;
                bad += out[i * S + j] != want;
            }
        if (bad) fprintf(stderr, "shift (%d, %d): %d pixels differ from the zero-filled roll\n", t.tx, t.ty, bad);
        CHECK(bad == 0);
    }
}

/* Quarter turns about the centre: +90 (clockwise on screen, torchvision F.affine's sign) is
 * out[i][j] = in[27 - j][i], -90 is in[j][27 - i], 180 is in[27 - i][27 - j]. */
static void test_rotations(const uint8_t *img)
{
    static const double angles[] = {90.0, -90.0, 180.0, -180.0, 270.0};
    uint8_t out[RM_IMG_SIZE];
    for (size_t c = 0; c < sizeof angles / sizeof angles[0]; c++) {
        const rm_affine t = {angles[c], 0, 0, 1.0};
        rm_affine_apply(&t, img, out);
        int worst = 0, inexact = 0;
        for (int i = 0; i < S; i++)
            for (int j = 0; j < S; j++) {
                int si, sj;
                if (angles[c] == 90.0 || angles[c] == -270.0)
                    si = S - 1 - j, sj = i;
                else if (angles[c] == -90.0 || angles[c] == 270.0)
                    si = j, sj = S - 1 - i;
                else
                    si = S - 1 - i, sj = S - 1 - j;
                const int diff = abs((int)out[i * S + j] - (int)img[si * S + sj]);
                worst = diff > worst ? diff : worst;
                inexact += diff != 0;
            }
        printf("rotate %+.0f: max |diff| %d, %d of 784 pixels inexact\n", angles[c], worst, inexact);
        CHECK(worst <= 1);
        CHECK(inexact <= 8);
    }
    /* and 90 four times is the identity */
    uint8_t a[RM_IMG_SIZE], b[RM_IMG_SIZE];
    const rm_affine q = {90.0, 0, 0, 1.0};
    rm_affine_apply(&q, img, a);
    rm_affine_apply(&q, a, b);
    rm_affine_apply(&q, b, a);
    rm_affine_apply(&q, a, b);
    CHECK(memcmp(b, img, RM_IMG_SIZE) == 0);
}

/* Against torchvision's outputs (float32 there, double here): a pixel may differ by 1 on a .5 tie. */
static void test_torchvision(void)
{
    uint8_t img[RM_IMG_SIZE], out[RM_IMG_SIZE];
    test_image(img);
    for (int c = 0; c < (int)(sizeof TV_CASES / sizeof TV_CASES[0]); c++) {
        rm_affine_apply(&TV_CASES[c], img, out);
        int worst = 0, inexact = 0;
        for (int k = 0; k < RM_IMG_SIZE; k++) {
            const int diff = abs((int)out[k] - (int)TV_OUT[c][k]);
            worst = diff > worst ? diff : worst;
            inexact += diff != 0;
        }
        printf("torchvision affine(%g deg, (%d, %d), x%g): max |diff| %d, %d of 784 pixels differ\n",
               TV_CASES[c].angle, TV_CASES[c].tx, TV_CASES[c].ty, TV_CASES[c].scale, worst, inexact);
        CHECK(worst <= 1);
        CHECK(inexact <= 8);
    }
}

/* The draws: torchvision's ranges and rounding, keyed by (seed, epoch, sample) only. */
static void test_draws(void)
{
    const rm_augment_cfg a = {15.0, 0.1, 0.9, 1.1, 1};
    enum { N = 200000 };
    long tx_count[9] = {0};
    double sa = 0, sa2 = 0, ss = 0, amin = 1e9, amax = -1e9, smin = 1e9, smax = -1e9;
    int bad_t = 0, repeats = 0;
    double prev_angle = NAN;
    for (uint32_t s = 0; s < N; s++) {
        const rm_affine t = rm_augment_draw(&a, 42, 2, s);
        repeats += t.angle == prev_angle || t.angle == rm_augment_draw(&a, 42, 3, s).angle;
        prev_angle = t.angle;
        sa += t.angle;
        sa2 += t.angle * t.angle;
        ss += t.scale;
        amin = fmin(amin, t.angle), amax = fmax(amax, t.angle);
        smin = fmin(smin, t.scale), smax = fmax(smax, t.scale);
        if (t.tx < -4 || t.tx > 4 || t.ty < -4 || t.ty > 4)
            bad_t++;
        else
            tx_count[t.tx + 4]++;
    }
    CHECK(bad_t == 0);
    CHECK(repeats == 0); /* neighbouring samples, and one sample in the next epoch, draw afresh */
    CHECK(amin >= -15.0 && amax < 15.0 && amin < -14.99 && amax > 14.99);
    CHECK(smin >= 0.9 && smax < 1.1);
    CHECK_NEAR(sa / N, 0.0, 5 * 15.0 / sqrt(3.0 * N));
    CHECK_NEAR(sa2 / N, 75.0, 0.01 * 75.0); /* Var U(-15, 15) = 30^2 / 12 */
    CHECK_NEAR(ss / N, 1.0, 5 * 0.2 / sqrt(12.0 * N));
    /* max_dx = 0.1 * 28 = 2.8: round(U(-2.8, 2.8)) is +-3 with probability 0.3 / 5.6, 0 with 1 / 5.6 */
    CHECK(tx_count[0] == 0 && tx_count[8] == 0);
    CHECK_NEAR((double)tx_count[7] / N, 0.3 / 5.6, 0.003);
    CHECK_NEAR((double)tx_count[1] / N, 0.3 / 5.6, 0.003);
    CHECK_NEAR((double)tx_count[4] / N, 1.0 / 5.6, 0.004);
    CHECK_NEAR((double)tx_count[5] / N, 1.0 / 5.6, 0.004);
    /* deterministic in (seed, epoch, sample); any of them changes the draw */
    const rm_affine t0 = rm_augment_draw(&a, 42, 1, 17), t1 = rm_augment_draw(&a, 42, 1, 17);
    const rm_affine te = rm_augment_draw(&a, 42, 2, 17), ts = rm_augment_draw(&a, 43, 1, 17),
                    tn = rm_augment_draw(&a, 42, 1, 18);
    CHECK(memcmp(&t0, &t1, sizeof t0) == 0);
    CHECK(t0.angle != te.angle && t0.angle != ts.angle && t0.angle != tn.angle);
    /* the angle does not depend on which other keys are on */
    const rm_augment_cfg rot_only = {15.0, 0.0, 1.0, 1.0, 1};
    const rm_affine tr = rm_augment_draw(&rot_only, 42, 1, 17);
    CHECK(tr.angle == t0.angle && tr.tx == 0 && tr.ty == 0 && tr.scale == 1.0);
}

static void test_noise_stats(void)
{
    enum { N = 2000000 };
    float *x = calloc(N, sizeof *x);
    float *y = calloc(N, sizeof *y);
    if (!x || !y) {
        CHECK(!"out of memory");
        free(x);
        free(y);
        return;
    }
    const double sd = 0.5;
    rm_noise_add(x, N, (float)sd, 9, 123);
    double s1 = 0, s2 = 0, s4 = 0, sxy = 0;
    long within = 0;
    for (long k = 0; k < N; k++) {
        const double v = x[k];
        s1 += v;
        s2 += v * v;
        s4 += v * v * v * v;
        within += fabs(v) < sd;
        if (k & 1) sxy += (double)x[k - 1] * v;
    }
    const double mean = s1 / N, var = s2 / N - mean * mean, kurt = s4 / N / (var * var);
    printf("noise N(0, %.2f) over %d draws: mean %.5f, std %.5f, kurtosis %.4f, P(|z| < 1) %.5f\n", sd, N, mean,
           sqrt(var), kurt, (double)within / N);
    CHECK_NEAR(mean, 0.0, 5 * sd / sqrt((double)N));
    CHECK_NEAR(sqrt(var), sd, 5 * sd / sqrt(2.0 * N));
    CHECK_NEAR(kurt, 3.0, 0.03);
    CHECK_NEAR((double)within / N, 0.682689492, 0.002);
    CHECK_NEAR(sxy / (N / 2) / (sd * sd), 0.0, 0.01); /* the cos and sin of a pair are uncorrelated */
    /* keyed by (seed, step, element): the same step repeats, another step or seed does not */
    rm_noise_add(y, N, (float)sd, 9, 123);
    CHECK(memcmp(x, y, (size_t)N * sizeof *x) == 0);
    memset(y, 0, (size_t)N * sizeof *y);
    rm_noise_add(y, 1000, (float)sd, 9, 124);
    CHECK(memcmp(x, y, 1000 * sizeof *x) != 0);
    memset(y, 0, (size_t)N * sizeof *y);
    rm_noise_add(y, 1000, (float)sd, 10, 123);
    CHECK(memcmp(x, y, 1000 * sizeof *x) != 0);
    /* a prefix of the buffer gets the same values as the whole (element k depends on k only) */
    memset(y, 0, (size_t)N * sizeof *y);
    rm_noise_add(y, 777, (float)sd, 9, 123);
    CHECK(memcmp(x, y, 777 * sizeof *x) == 0 && y[777] == 0.0f);
    /* it adds: x + noise - noise = x (exactly, as x was 0) and std 0 is a no-op */
    for (long k = 0; k < 1000; k++) y[k] = 1.0f;
    rm_noise_add(y, 1000, 0.0f, 9, 123);
    int ones = 1;
    for (long k = 0; k < 1000; k++) ones &= y[k] == 1.0f;
    CHECK(ones);
    rm_noise_add(y, 1000, (float)sd, 9, 123);
    int added = 1;
    for (long k = 0; k < 1000; k++) added &= y[k] == 1.0f + x[k];
    CHECK(added);
    free(x);
    free(y);
}

/* The same images and noise for 1, 2 and 3 pool threads. */
static void test_threads(const rm_dataset *d, const float *lut)
{
    enum { B = 50, NN = B * RM_IMG_SIZE + 3 };
    uint32_t idx[B];
    for (int i = 0; i < B; i++) idx[i] = (uint32_t)((i * 101 + 7) % N_IMAGES);
    const rm_augment_cfg a = {20.0, 0.15, 0.8, 1.2, 1};
    static float x[3][B * RM_IMG_SIZE], nz[3][NN];
    uint8_t y[3][B];
    for (int t = 0; t < 3; t++) {
        rm_err e = {0};
        CHECK(rm_pool_start(t + 1, &e) == RM_OK);
        rm_augment_gather(&a, 5, 11, d, idx, B, lut, x[t], y[t]);
        for (int k = 0; k < NN; k++) nz[t][k] = 0.25f * (float)(k % 7);
        rm_noise_add(nz[t], NN, 0.3f, 5, 999);
        rm_noise_add(nz[t] + 1, NN - 1, 0.3f, 5, 1000); /* an odd start: pairs split across chunks */
        rm_pool_stop();
    }
    CHECK(memcmp(x[0], x[1], sizeof x[0]) == 0);
    CHECK(memcmp(x[0], x[2], sizeof x[0]) == 0);
    CHECK(memcmp(y[0], y[1], sizeof y[0]) == 0 && memcmp(y[0], y[2], sizeof y[0]) == 0);
    CHECK(memcmp(nz[0], nz[1], sizeof nz[0]) == 0);
    CHECK(memcmp(nz[0], nz[2], sizeof nz[0]) == 0);
    /* a sample's image does not depend on its batch position: sample idx[5] alone gives the same floats */
    static float one[RM_IMG_SIZE];
    rm_augment_gather(&a, 5, 11, d, idx + 5, 1, lut, one, NULL);
    CHECK(memcmp(one, x[0] + 5 * RM_IMG_SIZE, sizeof one) == 0);
}

static void test_check(void)
{
    rm_err e = {0};
    const rm_augment_cfg good = {30.0, 0.2, 0.8, 1.2, 1}, none = {0.0, 0.0, 1.0, 1.0, 1};
    CHECK(rm_augment_check(&good, &e) == RM_OK);
    CHECK(rm_augment_check(&none, &e) == RM_OK);
    const rm_augment_cfg r = {-1.0, 0.0, 1.0, 1.0, 1}, s = {0.0, 1.5, 1.0, 1.0, 1}, c = {0.0, 0.0, 1.2, 0.8, 1},
                         z = {0.0, 0.0, 0.0, 1.0, 1}, n = {NAN, 0.0, 1.0, 1.0, 1};
    CHECK(rm_augment_check(&r, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "data.augment.rotate");
    CHECK(rm_augment_check(&s, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "data.augment.shift");
    CHECK(rm_augment_check(&c, &e) == RM_ERR_USAGE);
    CHECK_CONTAINS(e.msg, "data.augment.scale: must be [lo, hi] with 0 < lo <= hi, got [1.2, 0.8]");
    CHECK(rm_augment_check(&z, &e) == RM_ERR_USAGE);
    CHECK(rm_augment_check(&n, &e) == RM_ERR_USAGE);
}

/* Scaling about the centre: x2 maps output pixel centre c to source c / 2 about 13.5. */
static void test_scale(void)
{
    uint8_t img[RM_IMG_SIZE], out[RM_IMG_SIZE];
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++) img[i * S + j] = (uint8_t)(4 * j + 2 * i); /* a linear ramp: bilinear is exact */
    const rm_affine t = {0.0, 0, 0, 2.0};
    rm_affine_apply(&t, img, out);
    int bad = 0;
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++) {
            const double sj = (j - 13.5) / 2 + 13.5, si = (i - 13.5) / 2 + 13.5;
            bad += out[i * S + j] != (uint8_t)nearbyint(4 * sj + 2 * si);
        }
    CHECK(bad == 0);
    /* shrinking by 2 leaves a zero border 7 pixels wide */
    const rm_affine h = {0.0, 0, 0, 0.5};
    memset(img, 200, sizeof img);
    rm_affine_apply(&h, img, out);
    CHECK(out[0] == 0 && out[6 * S + 6] == 0 && out[8 * S + 8] == 200 && out[14 * S + 14] == 200);
}

int main(void)
{
    static uint8_t images[N_IMAGES * RM_IMG_SIZE], labels[N_IMAGES];
    rm_dataset d;
    make_dataset(&d, images, labels);
    float lut[256];
    rm_norm_table(RM_NORM_STANDARD, lut);
    uint8_t img[RM_IMG_SIZE];
    test_image(img);
    test_identity(&d, lut);
    test_shift(img);
    test_shift(images + 3 * RM_IMG_SIZE);
    test_rotations(img);
    test_rotations(images + 4 * RM_IMG_SIZE);
    test_scale();
    test_torchvision();
    test_draws();
    test_noise_stats();
    test_threads(&d, lut);
    test_check();
    return t_done("test_augment");
}
