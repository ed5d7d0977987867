"""`lamina.layers`: every layer, by family, plus serialize/deserialize."""

from lamina.layers.activations.elu import ELU
from lamina.layers.activations.leaky_relu import LeakyReLU
from lamina.layers.activations.prelu import PReLU
from lamina.layers.activations.relu import ReLU
from lamina.layers.activations.softmax import Softmax
from lamina.layers.attention.additive_attention import AdditiveAttention
from lamina.layers.attention.attention import Attention
from lamina.layers.attention.grouped_query_attention import GroupQueryAttention
from lamina.layers.attention.grouped_query_attention import GroupedQueryAttention
from lamina.layers.attention.multi_head_attention import MultiHeadAttention
from lamina.layers.convolutional.conv1d import Conv1D
from lamina.layers.convolutional.conv1d import Convolution1D
from lamina.layers.convolutional.conv1d_transpose import Conv1DTranspose
from lamina.layers.convolutional.conv1d_transpose import Convolution1DTranspose
from lamina.layers.convolutional.conv2d import Conv2D
from lamina.layers.convolutional.conv2d import Convolution2D
from lamina.layers.convolutional.conv2d_transpose import Conv2DTranspose
from lamina.layers.convolutional.conv2d_transpose import Convolution2DTranspose
from lamina.layers.convolutional.conv3d import Conv3D
from lamina.layers.convolutional.conv3d import Convolution3D
from lamina.layers.convolutional.conv3d_transpose import Conv3DTranspose
from lamina.layers.convolutional.conv3d_transpose import Convolution3DTranspose
from lamina.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from lamina.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from lamina.layers.convolutional.separable_conv1d import SeparableConv1D
from lamina.layers.convolutional.separable_conv1d import SeparableConvolution1D
from lamina.layers.convolutional.separable_conv2d import SeparableConv2D
from lamina.layers.convolutional.separable_conv2d import SeparableConvolution2D
from lamina.layers.core.activation import Activation
from lamina.layers.core.dense import Dense
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.core.embedding import Embedding
from lamina.layers.core.reversible_embedding import ReversibleEmbedding
from lamina.layers.core.wrapper import Wrapper
from lamina.layers.core.identity import Identity
from lamina.layers.core.lambda_layer import Lambda
from lamina.layers.core.masking import Masking
from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper
from lamina.layers.input_layer import Input
from lamina.layers.input_layer import InputLayer
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.merging.add import Add
from lamina.layers.merging.add import add
from lamina.layers.merging.average import Average
from lamina.layers.merging.average import average
from lamina.layers.merging.concatenate import Concatenate
from lamina.layers.merging.concatenate import concatenate
from lamina.layers.merging.dot import Dot
from lamina.layers.merging.dot import dot
from lamina.layers.merging.maximum import Maximum
from lamina.layers.merging.maximum import maximum
from lamina.layers.merging.minimum import Minimum
from lamina.layers.merging.minimum import minimum
from lamina.layers.merging.multiply import Multiply
from lamina.layers.merging.multiply import multiply
from lamina.layers.merging.subtract import Subtract
from lamina.layers.merging.subtract import subtract
from lamina.layers.normalization.batch_normalization import BatchNormalization
from lamina.layers.normalization.group_normalization import GroupNormalization
from lamina.layers.normalization.layer_normalization import LayerNormalization
from lamina.layers.normalization.rms_normalization import RMSNormalization
from lamina.layers.normalization.spectral_normalization import SpectralNormalization
from lamina.layers.normalization.unit_normalization import UnitNormalization
from lamina.layers.pooling.adaptive_pooling import AdaptiveAveragePooling1D
from lamina.layers.pooling.adaptive_pooling import AdaptiveAveragePooling2D
from lamina.layers.pooling.adaptive_pooling import AdaptiveAveragePooling3D
from lamina.layers.pooling.adaptive_pooling import AdaptiveMaxPooling1D
from lamina.layers.pooling.adaptive_pooling import AdaptiveMaxPooling2D
from lamina.layers.pooling.adaptive_pooling import AdaptiveMaxPooling3D
from lamina.layers.pooling.average_pooling1d import AveragePooling1D
from lamina.layers.pooling.average_pooling1d import AvgPool1D
from lamina.layers.pooling.average_pooling2d import AveragePooling2D
from lamina.layers.pooling.average_pooling2d import AvgPool2D
from lamina.layers.pooling.average_pooling3d import AveragePooling3D
from lamina.layers.pooling.average_pooling3d import AvgPool3D
from lamina.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from lamina.layers.pooling.global_average_pooling1d import GlobalAvgPool1D
from lamina.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from lamina.layers.pooling.global_average_pooling2d import GlobalAvgPool2D
from lamina.layers.pooling.global_average_pooling3d import GlobalAveragePooling3D
from lamina.layers.pooling.global_average_pooling3d import GlobalAvgPool3D
from lamina.layers.pooling.global_max_pooling1d import GlobalMaxPool1D
from lamina.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from lamina.layers.pooling.global_max_pooling2d import GlobalMaxPool2D
from lamina.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from lamina.layers.pooling.global_max_pooling3d import GlobalMaxPool3D
from lamina.layers.pooling.global_max_pooling3d import GlobalMaxPooling3D
from lamina.layers.pooling.max_pooling1d import MaxPool1D
from lamina.layers.pooling.max_pooling1d import MaxPooling1D
from lamina.layers.pooling.max_pooling2d import MaxPool2D
from lamina.layers.pooling.max_pooling2d import MaxPooling2D
from lamina.layers.pooling.max_pooling3d import MaxPool3D
from lamina.layers.pooling.max_pooling3d import MaxPooling3D
from lamina.layers.preprocessing.auto_contrast import AutoContrast
from lamina.layers.preprocessing.random_grayscale import RandomGrayscale
from lamina.layers.preprocessing.random_invert import RandomInvert
from lamina.layers.preprocessing.solarization import Solarization
from lamina.layers.preprocessing.random_color_degeneration import RandomColorDegeneration
from lamina.layers.preprocessing.random_posterization import RandomPosterization
from lamina.layers.preprocessing.random_sharpness import RandomSharpness
from lamina.layers.preprocessing.pipeline import Pipeline
from lamina.layers.preprocessing.cut_mix import CutMix
from lamina.layers.preprocessing.mix_up import MixUp
from lamina.layers.preprocessing.random_gaussian_blur import RandomGaussianBlur
from lamina.layers.preprocessing.random_erasing import RandomErasing
from lamina.layers.preprocessing.mel_spectrogram import MelSpectrogram
from lamina.layers.preprocessing.stft_spectrogram import STFTSpectrogram
from lamina.layers.preprocessing.random_hue import RandomHue
from lamina.layers.preprocessing.random_saturation import RandomSaturation
from lamina.layers.preprocessing.random_color_jitter import RandomColorJitter
from lamina.layers.preprocessing.equalization import Equalization
from lamina.layers.preprocessing.random_shear import RandomShear
from lamina.layers.preprocessing.clahe import (  # noqa
    ContrastLimitedAdaptiveHistogramEqualization,
)
from lamina.layers.preprocessing.random_elastic_transform import (  # noqa
    RandomElasticTransform,
)
from lamina.layers.preprocessing.rand_augment import RandAugment
from lamina.layers.preprocessing.aug_mix import AugMix
from lamina.layers.preprocessing.random_perspective import RandomPerspective
from lamina.layers.preprocessing.max_num_bounding_boxes import MaxNumBoundingBoxes
from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing.center_crop import CenterCrop
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.integer_lookup import IntegerLookup
from lamina.layers.preprocessing.normalization import Normalization
from lamina.layers.preprocessing.random_brightness import RandomBrightness
from lamina.layers.preprocessing.random_contrast import RandomContrast
from lamina.layers.preprocessing.random_crop import RandomCrop
from lamina.layers.preprocessing.random_flip import RandomFlip
from lamina.layers.preprocessing.random_rotation import RandomRotation
from lamina.layers.preprocessing.random_translation import RandomTranslation
from lamina.layers.preprocessing.random_zoom import RandomZoom
from lamina.layers.preprocessing.rescaling import Rescaling
from lamina.layers.preprocessing.resizing import Resizing
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.layers.preprocessing.text_vectorization import TextVectorization
from lamina.layers.registry import LAYERS
from lamina.layers.regularization.activity_regularization import ActivityRegularization
from lamina.layers.regularization.alpha_dropout import AlphaDropout
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.regularization.gaussian_dropout import GaussianDropout
from lamina.layers.regularization.gaussian_noise import GaussianNoise
from lamina.layers.regularization.spatial_dropout import SpatialDropout1D
from lamina.layers.regularization.spatial_dropout import SpatialDropout2D
from lamina.layers.regularization.spatial_dropout import SpatialDropout3D
from lamina.layers.reshaping.cropping import Cropping1D
from lamina.layers.reshaping.cropping import Cropping2D
from lamina.layers.reshaping.cropping import Cropping3D
from lamina.layers.reshaping.flatten import Flatten
from lamina.layers.reshaping.permute import Permute
from lamina.layers.reshaping.repeat_vector import RepeatVector
from lamina.layers.reshaping.reshape import Reshape
from lamina.layers.reshaping.up_sampling import UpSampling1D
from lamina.layers.reshaping.up_sampling import UpSampling2D
from lamina.layers.reshaping.up_sampling import UpSampling3D
from lamina.layers.reshaping.zero_padding import ZeroPadding1D
from lamina.layers.reshaping.zero_padding import ZeroPadding2D
from lamina.layers.reshaping.zero_padding import ZeroPadding3D
from lamina.layers.rnn.bidirectional import Bidirectional
from lamina.layers.rnn.conv_lstm1d import ConvLSTM1D
from lamina.layers.rnn.conv_lstm2d import ConvLSTM2D
from lamina.layers.rnn.conv_lstm3d import ConvLSTM3D
from lamina.layers.rnn.gru import GRU
from lamina.layers.rnn.gru_cell import GRUCell
from lamina.layers.rnn.lstm import LSTM
from lamina.layers.rnn.lstm_cell import LSTMCell
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.simple_rnn import SimpleRNN
from lamina.layers.rnn.simple_rnn_cell import SimpleRNNCell
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells
from lamina.layers.rnn.time_distributed import TimeDistributed

def serialize(layer):
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    return LAYERS.deserialize(config, custom_objects)


def get(identifier):
    return LAYERS.get(identifier)
